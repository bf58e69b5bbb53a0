import Imaging
import Randomness

/// One procedurally generated picture with its segmentation labels.
public struct SyntheticScene: Sendable {
    /// RGB, [height, width, 3].
    public let image: Image8
    /// [height, width, 1]: 0 background, 1...classCount objects, 255 a 'boundary' band around each
    /// object (as in VOC).
    public let labels: Image8
    /// The class of the largest object, the one a prompt built on this scene segments.
    public let mainClass: Int
}

/// Seeded, procedurally generated natural-looking RGB images (gradient backgrounds, value-noise
/// textures, stripes, sensor noise) with several objects (ellipses, boxes, triangles) and their class
/// labels, at any size. Only integer hashing and IEEE +, -, *, /, sqrt are used, so every platform
/// produces the same bytes.
///
/// Scene i has main class 1 + i % classCount; each class has its own colour and texture so that a
/// class looks alike across scenes, which makes the segmentation task meaningful. The background
/// colours are random per scene (`SyntheticBackgrounds.random`) or drawn around two colours of the
/// main class's habitat (`.habitats`); both worlds place the same objects in the same scenes.
public struct SyntheticImageSource: Sendable {
    public let seed: UInt64
    public let classCount: Int
    public let backgrounds: SyntheticBackgrounds

    public init(seed: UInt64, classCount: Int = 20, backgrounds: SyntheticBackgrounds = .random) {
        precondition(classCount >= 1 && classCount < 255, "class count must be in 1...254")
        self.seed = seed
        self.classCount = classCount
        self.backgrounds = backgrounds
    }

    /// The main class of scene `index`.
    public func mainClass(of index: Int) -> Int { 1 + index % classCount }

    /// The prompt around scene `index` as query: a support scene of the same class (never the
    /// query) and an in-painting square, drawn from the stream keyed by `index`.
    /// Names are "synthetic-<index>".
    public func prompt(_ index: Int, layout: CanvasLayout = .published) -> PromptSpec {
        var stream = SplitMix64(seed: seed ^ 0xA5A5_5A5A_0F0F_F0F0).substream(UInt64(index))
        let support = index + classCount * (1 + stream.nextInt(below: 1000))
        let square = InpaintSquare.random(in: layout, using: &stream)
        return PromptSpec(
            query: "synthetic-\(index)", support: "synthetic-\(support)",
            classID: mainClass(of: index), square: square)
    }

    /// The canvases of `tasks` for a prompt from `prompt(_:)`; scenes are rendered at
    /// `sceneWidth` x `sceneHeight` and resized to the quadrant like real photographs.
    public func canvases(
        _ spec: PromptSpec, tasks: [PromptTask] = PromptTask.base,
        layout: CanvasLayout = .published,
        sceneWidth: Int = 500, sceneHeight: Int = 375
    ) throws -> [PromptCanvas] {
        func quadrant(_ name: String) throws -> QuadrantImage {
            let index = Int(name.dropFirst("synthetic-".count)) ?? 0
            let s = scene(index, width: sceneWidth, height: sceneHeight)
            return try QuadrantImage(
                name: name, image: s.image,
                classMask: QuadrantImage.classMask(labels: s.labels, classID: spec.classID),
                side: layout.quadrant)
        }
        let support = try quadrant(spec.support), query = try quadrant(spec.query)
        return try tasks.map {
            try PromptCanvas(task: $0, support: support, query: query, square: spec.square, layout: layout)
        }
    }

    /// Renders scene `index` at `width` x `height` (both > 0).
    public func scene(_ index: Int, width: Int, height: Int) -> SyntheticScene {
        precondition(width > 0 && height > 0, "empty scene")
        var rng = SplitMix64(seed: seed).substream(UInt64(index))
        let w = Double(width), h = Double(height), scale = min(w, h)

        // Background: a two-colour gradient in a random direction plus soft value noise. Both worlds
        // draw the same six numbers here, so everything after them is the same scene.
        let main = mainClass(of: index)
        var c0 = randomColour(&rng), c1 = randomColour(&rng)
        if backgrounds == .habitats {
            let habitat = classLook(main).habitat
            let jitter = SyntheticBackgrounds.habitatJitter
            // randomColour's 30 + 200u becomes a jitter of -1...1 times habitatJitter.
            c0 = (0..<rgbChannels).map { habitat.0[$0] + jitter * ((c0[$0] - 30) / 100 - 1) }
            c1 = (0..<rgbChannels).map { habitat.1[$0] + jitter * ((c1[$0] - 30) / 100 - 1) }
        }
        let gx = rng.nextUnit() - 0.5, gy = rng.nextUnit() - 0.5
        let backgroundTexture = Texture(
            kind: .clouds, cell: scale * (0.08 + 0.2 * rng.nextUnit()),
            amplitude: 40, key: rng.next())
        var rgb = [Double](repeating: 0, count: width * height * rgbChannels)
        for y in 0..<height {
            for x in 0..<width {
                let t = clampUnit(0.5 + (gx * (Double(x) - w / 2) + gy * (Double(y) - h / 2)) / scale)
                let n = backgroundTexture.value(Double(x), Double(y))
                for c in 0..<rgbChannels { rgb[(y * width + x) * rgbChannels + c] = c0[c] + (c1[c] - c0[c]) * t + n }
            }
        }
        var labels = [UInt8](repeating: 0, count: width * height)

        // Objects, painted back to front; the main one is largest and painted first among them so
        // the others may occlude it a little.
        let extra = rng.nextInt(below: 3)
        var objects: [(classID: Int, shape: Shape)] = [
            (main, randomShape(&rng, w, h, size: 0.28 + 0.15 * rng.nextUnit()))
        ]
        for _ in 0..<extra {
            var other = 1 + rng.nextInt(below: classCount)
            if other == main { other = 1 + other % classCount }
            if classCount == 1 { other = main }
            objects.append((other, randomShape(&rng, w, h, size: 0.1 + 0.12 * rng.nextUnit())))
        }
        for object in objects {
            let look = classLook(object.classID)
            let texture = Texture(kind: look.kind, cell: scale * look.cell, amplitude: 35, key: look.key)
            let tint = randomColour(&rng).map { ($0 - 128) * 0.25 }
            // Shading across the object so it is not flat.
            let sx = (rng.nextUnit() - 0.5) * 60 / scale, sy = (rng.nextUnit() - 0.5) * 60 / scale
            for y in 0..<height {
                for x in 0..<width {
                    let d = object.shape.signedDistance(Double(x) + 0.5, Double(y) + 0.5)
                    guard d < 1.5 else { continue }
                    let i = y * width + x
                    if d <= 0 {
                        let v =
                            texture.value(Double(x), Double(y))
                            + sx * (Double(x) - object.shape.cx) + sy * (Double(y) - object.shape.cy)
                        for c in 0..<rgbChannels { rgb[i * rgbChannels + c] = look.colour[c] + tint[c] + v }
                        labels[i] = UInt8(object.classID)
                    }
                    if abs(d) < 1.5 { labels[i] = 255 }
                }
            }
        }

        // Sensor noise, then 8-bit quantisation.
        let noiseKey = rng.next()
        var pixels = [UInt8](repeating: 0, count: width * height * rgbChannels)
        for i in 0..<(width * height * rgbChannels) {
            let noise = Double(RandomStream.finalise(noiseKey &+ UInt64(i)) >> 59) - 15.5 // -15.5...15.5
            pixels[i] = UInt8(max(0, min(255, (rgb[i] + noise * 0.4).rounded())))
        }
        return SyntheticScene(
            image: Image8(width: width, height: height, channels: rgbChannels, pixels: pixels),
            labels: Image8(width: width, height: height, channels: 1, pixels: labels),
            mainClass: main)
    }

    // MARK: - Appearance

    private struct ClassLook {
        let colour: [Double]
        let kind: Texture.Kind
        let cell: Double
        let key: UInt64
        /// The two background colours of the class's scenes in the `.habitats` world.
        let habitat: ([Double], [Double])
    }

    private func classLook(_ classID: Int) -> ClassLook {
        var rng = SplitMix64(seed: seed).substream(0xC1A5_5000 &+ UInt64(classID))
        let colour = randomColour(&rng)
        let kinds: [Texture.Kind] = [.clouds, .stripes, .spots]
        let kind = kinds[rng.nextInt(below: kinds.count)]
        let cell = 0.02 + 0.05 * rng.nextUnit(), key = rng.next()
        // Drawn after the look of the random world, which therefore stays as it was.
        let habitat = (randomColour(&rng), randomColour(&rng))
        return ClassLook(colour: colour, kind: kind, cell: cell, key: key, habitat: habitat)
    }

    private func randomColour(_ rng: inout SplitMix64) -> [Double] {
        (0..<rgbChannels).map { _ in 30 + 200 * rng.nextUnit() }
    }

    private func randomShape(_ rng: inout SplitMix64, _ w: Double, _ h: Double, size: Double) -> Shape {
        let s = min(w, h) * size
        let cx = w * (0.2 + 0.6 * rng.nextUnit()), cy = h * (0.2 + 0.6 * rng.nextUnit())
        let a = s * (0.6 + 0.8 * rng.nextUnit()), b = s * (0.6 + 0.8 * rng.nextUnit())
        switch rng.nextInt(below: 3) {
        case 0: return Shape(kind: .ellipse, cx: cx, cy: cy, a: a, b: b, skew: 0)
        case 1: return Shape(kind: .box, cx: cx, cy: cy, a: a, b: b, skew: 0)
        default: return Shape(kind: .triangle, cx: cx, cy: cy, a: a, b: b, skew: rng.nextUnit() - 0.5)
        }
    }
}

/// How a synthetic scene's background gets its colours.
public enum SyntheticBackgrounds: String, Sendable, CaseIterable {
    /// Two colours drawn uniformly per scene (30...230 per channel): nothing in a grey picture or in
    /// another scene tells them, so colorization can only guess them.
    case random
    /// Two colours per class (its habitat, like grass for cows and sky for planes), each channel
    /// moved by up to ±habitatJitter per scene: a support of the same class shows them, and so does
    /// what a model learned about the class.
    case habitats

    /// Largest per-channel offset of a scene's background colour from its class's habitat colour.
    public static let habitatJitter = 25.0
}

/// An object outline with an approximate signed distance in pixels (negative inside).
private struct Shape {
    enum Kind { case ellipse, box, triangle }
    let kind: Kind
    let cx: Double, cy: Double, a: Double, b: Double, skew: Double

    func signedDistance(_ x: Double, _ y: Double) -> Double {
        let dx = x - cx, dy = y - cy
        switch kind {
        case .ellipse:
            let r = ((dx / a) * (dx / a) + (dy / b) * (dy / b)).squareRoot()
            return (r - 1) * min(a, b)
        case .box:
            return max(abs(dx) - a, abs(dy) - b)
        case .triangle:
            // Apex at the top (shifted by skew), base at the bottom.
            let p = [(cx + skew * a, cy - b), (cx + a, cy + b), (cx - a, cy + b)]
            var d = -Double.infinity
            for k in 0..<3 {
                let (x0, y0) = p[k], (x1, y1) = p[(k + 1) % 3]
                let ex = x1 - x0, ey = y1 - y0
                let length = (ex * ex + ey * ey).squareRoot()
                // Outward normal of a clockwise (in image coordinates) triangle.
                d = max(d, ((x - x0) * ey - (y - y0) * ex) / length)
            }
            return d
        }
    }
}

/// Procedural textures from hashed lattice values with smoothstep interpolation.
private struct Texture {
    enum Kind { case clouds, stripes, spots }
    let kind: Kind
    let cell: Double
    let amplitude: Double
    let key: UInt64

    /// A value in about -amplitude...amplitude.
    func value(_ x: Double, _ y: Double) -> Double {
        switch kind {
        case .clouds:
            return amplitude * (0.65 * noise(x / cell, y / cell, 0) + 0.35 * noise(2 * x / cell, 2 * y / cell, 1))
        case .stripes:
            let t = (x + 0.6 * y + 0.5 * cell * noise(x / cell, y / cell, 2)) / cell
            let f = t - t.rounded(.down)
            return amplitude * (abs(2 * f - 1) * 2 - 1)
        case .spots:
            let v = noise(x / cell, y / cell, 3)
            return amplitude * (v > 0.35 ? -1 : 0.3 * v)
        }
    }

    /// Value noise in -1...1 on the unit lattice.
    private func noise(_ x: Double, _ y: Double, _ octave: UInt64) -> Double {
        let x0 = x.rounded(.down), y0 = y.rounded(.down)
        let fx = x - x0, fy = y - y0
        let sx = fx * fx * (3 - 2 * fx), sy = fy * fy * (3 - 2 * fy)
        let ix = Int64(x0), iy = Int64(y0)
        func lattice(_ i: Int64, _ j: Int64) -> Double {
            let h = RandomStream.finalise(
                key &+ octave &* 0x9E37 &+ UInt64(bitPattern: i) &* 0x1_0000_01B3
                    &+ UInt64(bitPattern: j) &* 0xC2B2_AE3D_27D4_EB4F)
            return Double(h >> 11) * 0x1.0p-52 - 1
        }
        let top = lattice(ix, iy) + (lattice(ix + 1, iy) - lattice(ix, iy)) * sx
        let bottom = lattice(ix, iy + 1) + (lattice(ix + 1, iy + 1) - lattice(ix, iy + 1)) * sx
        return top + (bottom - top) * sy
    }
}

private func clampUnit(_ v: Double) -> Double { max(0, min(1, v)) }
