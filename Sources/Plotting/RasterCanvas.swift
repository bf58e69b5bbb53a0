import Imaging

/// An RGB drawing surface: pixels are [height, width, 3] row-major, origin at the top left,
/// x to the right and y downwards. Every operation clips to the canvas, so shapes may extend
/// past its edges (or be given non-finite coordinates, which draw nothing).
public struct RasterCanvas: Sendable {
    public let width: Int
    public let height: Int
    /// [height, width, 3] row-major RGB.
    public private(set) var pixels: [UInt8]

    /// A canvas of `width` x `height` pixels filled with `background`.
    public init(width: Int, height: Int, background: RGB = .white) {
        precondition(width > 0 && height > 0, "canvas needs a positive size")
        self.width = width
        self.height = height
        pixels = [UInt8](repeating: 0, count: width * height * rgbChannels)
        fill(background)
    }

    /// The canvas as a 3-channel `Image8`, ready for `ImageFile.writePNG`.
    public var image: Image8 { Image8(width: width, height: height, channels: rgbChannels, pixels: pixels) }

    /// The colour at column `x`, row `y` (both inside the canvas).
    public subscript(x: Int, y: Int) -> RGB {
        let i = (y * width + x) * rgbChannels
        return RGB(pixels[i], pixels[i + 1], pixels[i + 2])
    }

    /// Paints the whole canvas.
    public mutating func fill(_ color: RGB) {
        for i in stride(from: 0, to: pixels.count, by: rgbChannels) {
            pixels[i] = color.r; pixels[i + 1] = color.g; pixels[i + 2] = color.b
        }
    }

    /// Paints one pixel, blended over what is there with opacity `alpha`; outside pixels are ignored.
    public mutating func setPixel(x: Int, y: Int, _ color: RGB, alpha: Double = 1) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let painted = alpha >= 1 ? color : color.blended(over: self[x, y], alpha: alpha)
        let i = (y * width + x) * rgbChannels
        pixels[i] = painted.r; pixels[i + 1] = painted.g; pixels[i + 2] = painted.b
    }

    /// Fills the rectangle with top-left corner (x, y) and the given size.
    public mutating func fillRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB, alpha: Double = 1) {
        let x0 = max(0, x), x1 = min(width, x + w), y0 = max(0, y), y1 = min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        for py in y0..<y1 {
            for px in x0..<x1 { setPixel(x: px, y: py, color, alpha: alpha) }
        }
    }

    /// Outlines the rectangle with top-left corner (x, y) and the given size; the stroke lies inside it.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, _ color: RGB, thickness: Int = 1) {
        let t = min(thickness, w / 2 + 1, h / 2 + 1)
        guard t > 0 else { return }
        fillRect(x: x, y: y, width: w, height: t, color)
        fillRect(x: x, y: y + h - t, width: w, height: t, color)
        fillRect(x: x, y: y + t, width: t, height: h - 2 * t, color)
        fillRect(x: x + w - t, y: y + t, width: t, height: h - 2 * t, color)
    }

    /// A straight line from (x0, y0) to (x1, y1), both ends included (Bresenham), `thickness` pixels wide.
    public mutating func drawLine(x0: Int, y0: Int, x1: Int, y1: Int, _ color: RGB, thickness: Int = 1) {
        drawLine(from: (Double(x0), Double(y0)), to: (Double(x1), Double(y1)), color, thickness: thickness)
    }

    /// Joins consecutive points with lines; a non-finite point breaks the line into separate runs.
    /// points: pixel coordinates, rounded to the nearest pixel.
    public mutating func drawPolyline(_ points: [(x: Double, y: Double)], _ color: RGB, thickness: Int = 1) {
        guard points.count >= 2 else {
            if let p = points.first { drawLine(from: p, to: p, color, thickness: thickness) }
            return
        }
        for (a, b) in zip(points, points.dropFirst()) { drawLine(from: a, to: b, color, thickness: thickness) }
    }

    /// Fills a simple or self-intersecting polygon (even-odd rule), sampling pixel centres,
    /// with opacity `alpha`. A band between two curves is the upper curve followed by the lower
    /// one reversed. points: pixel coordinates; polygons with a non-finite vertex draw nothing.
    public mutating func fillPolygon(_ points: [(x: Double, y: Double)], _ color: RGB, alpha: Double = 1) {
        guard points.count >= 3, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return }
        let ys = points.map(\.y)
        let rowStart = max(0, Int((ys.min()! - 0.5).rounded(.up)))
        let rowEnd = min(height - 1, Int((ys.max()! - 0.5).rounded(.down)))
        guard rowStart <= rowEnd else { return }
        var crossings = [Double]()
        for row in rowStart...rowEnd {
            let cy = Double(row) + 0.5
            crossings.removeAll(keepingCapacity: true)
            for (i, a) in points.enumerated() {
                let b = points[(i + 1) % points.count]
                // Half-open in y so a vertex shared by two edges is counted once.
                if (a.y <= cy) != (b.y <= cy) {
                    crossings.append(a.x + (cy - a.y) / (b.y - a.y) * (b.x - a.x))
                }
            }
            crossings.sort()
            for k in stride(from: 0, to: crossings.count - 1, by: 2) {
                let first = max(0, Int((crossings[k] - 0.5).rounded(.up)))
                let last = min(width - 1, Int((crossings[k + 1] - 0.5).rounded(.down)))
                if first <= last {
                    for px in first...last { setPixel(x: px, y: row, color, alpha: alpha) }
                }
            }
        }
    }

    /// Copies `image` (any channel count; gray is replicated, alpha dropped) with its top-left
    /// corner at (x, y), each source pixel becoming a `scale` x `scale` block (nearest neighbour).
    public mutating func draw(_ image: Image8, x: Int, y: Int, scale: Int = 1) {
        precondition(scale >= 1, "scale must be at least 1")
        let rgb = image.rgb()
        let x0 = max(0, x), x1 = min(width, x + rgb.width * scale)
        let y0 = max(0, y), y1 = min(height, y + rgb.height * scale)
        guard x0 < x1, y0 < y1 else { return }
        for py in y0..<y1 {
            let sy = (py - y) / scale
            for px in x0..<x1 {
                let s = (sy * rgb.width + (px - x) / scale) * rgbChannels
                let d = (py * width + px) * rgbChannels
                pixels[d] = rgb.pixels[s]; pixels[d + 1] = rgb.pixels[s + 1]; pixels[d + 2] = rgb.pixels[s + 2]
            }
        }
    }

    // MARK: - Private

    /// Clips the segment to the canvas (Liang-Barsky, with a margin for the pen), then walks it
    /// with Bresenham, stamping a pen of `thickness` pixels at each step.
    private mutating func drawLine(
        from a: (x: Double, y: Double), to b: (x: Double, y: Double),
        _ color: RGB, thickness: Int
    ) {
        guard a.x.isFinite, a.y.isFinite, b.x.isFinite, b.y.isFinite, thickness > 0 else { return }
        let margin = Double(thickness)
        var t0 = 0.0, t1 = 1.0
        let dx = b.x - a.x, dy = b.y - a.y
        let edges: [(p: Double, q: Double)] = [
            (-dx, a.x + margin), (dx, Double(width - 1) + margin - a.x),
            (-dy, a.y + margin), (dy, Double(height - 1) + margin - a.y)
        ]
        for (p, q) in edges {
            if p == 0 {
                if q < 0 { return }
            } else {
                let r = q / p
                if p < 0 { t0 = max(t0, r) } else { t1 = min(t1, r) }
            }
        }
        guard t0 <= t1 else { return }
        var x = Int((a.x + t0 * dx).rounded()), y = Int((a.y + t0 * dy).rounded())
        let xEnd = Int((a.x + t1 * dx).rounded()), yEnd = Int((a.y + t1 * dy).rounded())
        let stepX = x < xEnd ? 1 : -1, stepY = y < yEnd ? 1 : -1
        let adx = abs(xEnd - x), ady = -abs(yEnd - y)
        var error = adx + ady
        while true {
            stamp(x: x, y: y, color, thickness: thickness)
            if x == xEnd && y == yEnd { break }
            let e2 = 2 * error
            if e2 >= ady { error += ady; x += stepX }
            if e2 <= adx { error += adx; y += stepY }
        }
    }

    /// A round-ish pen centred on (x, y): a square for thickness up to 2, a disc beyond.
    private mutating func stamp(x: Int, y: Int, _ color: RGB, thickness: Int) {
        if thickness == 1 { setPixel(x: x, y: y, color); return }
        let lo = -(thickness - 1) / 2, hi = lo + thickness - 1
        let centre = Double(lo + hi) / 2, radius = Double(thickness) / 2
        for oy in lo...hi {
            for ox in lo...hi {
                let ddx = Double(ox) - centre, ddy = Double(oy) - centre
                if thickness <= 2 || ddx * ddx + ddy * ddy <= radius * radius {
                    setPixel(x: x + ox, y: y + oy, color)
                }
            }
        }
    }
}
