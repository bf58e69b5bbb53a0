import Imaging

/// An 8-bit RGB image, the form the published code scores: pixels [height, width, 3] row-major
/// (interleaved channels), as the fixture's `<mode>_image` datasets store it.
public struct RenderedImage: Equatable, Sendable {
    public let height: Int
    public let width: Int
    /// [height, width, 3] row-major.
    public var pixels: [UInt8]

    public init(height: Int, width: Int, pixels: [UInt8]) {
        precondition(
            pixels.count == height * width * rgbChannels, "pixels do not fill \(height)x\(width)x\(rgbChannels)")
        self.height = height
        self.width = width
        self.pixels = pixels
    }

    /// Channel `c` of pixel (row, col).
    @inline(__always)
    public subscript(row: Int, col: Int, c: Int) -> UInt8 { pixels[(row * width + col) * rgbChannels + c] }
}

/// How the published code turns predicted tokens into the image it scores
/// (docs/paper.md#token-layouts, docs/paper.md#metrics): decode the predicted token of **every**
/// grid position (never ground-truth tokens) with the VQGAN, resize bilinearly to the canvas if
/// the sizes differ, and convert to 8 bits by clamping x*255 and truncating.
public enum Rendering {
    /// The full token grid a prediction decodes: [grid*grid] raster.
    /// predicted: one token per predicted position of `mode` (`TokenLayout.kept`): all grid*grid
    /// positions for one-shot; the grid*grid/2 positions of the bottom half for zero-shot, which
    /// are duplicated so the top half of the grid equals the bottom half.
    public static func tokenGrid(predicted: [Int32], mode: PromptMode, grid: Int) throws -> [Int32] {
        let layout = TokenLayout(mode: mode, grid: grid)
        guard predicted.count == layout.predictedPositions else {
            throw VQGANError.bufferSize(
                what: "predicted tokens for a \(mode.rawValue) \(grid)x\(grid) grid",
                expected: layout.predictedPositions, found: predicted.count)
        }
        var tokens = [Int32](repeating: 0, count: grid * grid)
        let half = grid / 2 * grid
        for (i, position) in layout.kept.enumerated() {
            tokens[position] = predicted[i]
            if mode == .zeroShot { tokens[position - half] = predicted[i] }
        }
        return tokens
    }

    /// The images the published code scores for a batch of predictions of one mode.
    /// predicted: [count, predicted positions] (see `tokenGrid`); the canvas is
    /// canvasHeight x canvasWidth (224 x 224 for the released model, the decoder's own size).
    public static func render(
        predicted: [Int32], count: Int, mode: PromptMode, grid: Int,
        decoder: VQGANDecoder, canvasHeight: Int, canvasWidth: Int
    ) throws -> [RenderedImage] {
        let per = TokenLayout(mode: mode, grid: grid).predictedPositions
        guard predicted.count == count * per else {
            throw VQGANError.bufferSize(
                what: "predicted tokens for \(count) \(mode.rawValue) predictions",
                expected: count * per, found: predicted.count)
        }
        var grids: [Int32] = []
        grids.reserveCapacity(count * grid * grid)
        for i in 0..<count {
            grids += try tokenGrid(predicted: Array(predicted[i * per..<(i + 1) * per]), mode: mode, grid: grid)
        }
        let decoded = try decoder.decode(tokens: grids, count: count, gridHeight: grid, gridWidth: grid)
        let (h, w) = (decoder.imageSide(gridSide: grid), decoder.imageSide(gridSide: grid))
        let channels = decoder.configuration.outChannels
        return (0..<count).map { i in
            var image = Array(decoded[i * channels * h * w..<(i + 1) * channels * h * w])
            if (h, w) != (canvasHeight, canvasWidth) {
                image = resizeBilinear(
                    image, channels: channels, height: h, width: w,
                    toHeight: canvasHeight, toWidth: canvasWidth)
            }
            return bytes(image, height: canvasHeight, width: canvasWidth)
        }
    }

    /// 8-bit image of a float image: trunc(clamp(x * 255, 0, 255)), as `torch.clip(y * 255, 0, 255).int()`.
    /// image: [3, height, width] channel-major (float32 arithmetic).
    public static func bytes(_ image: [Float], height: Int, width: Int) -> RenderedImage {
        precondition(image.count == rgbChannels * height * width)
        var pixels = [UInt8](repeating: 0, count: rgbChannels * height * width)
        let plane = height * width
        for c in 0..<rgbChannels {
            for p in 0..<plane {
                pixels[p * rgbChannels + c] = UInt8(min(max(image[c * plane + p] * 255, 0), 255))
            }
        }
        return RenderedImage(height: height, width: width, pixels: pixels)
    }

    /// Bilinear resize with PyTorch's `interpolate(mode="bilinear", align_corners=False)`
    /// (no antialiasing): source coordinate (dst + 0.5) * in/out - 0.5, clamped at 0.
    /// image: [channels, height, width] -> [channels, toHeight, toWidth].
    public static func resizeBilinear(
        _ image: [Float], channels: Int, height: Int, width: Int,
        toHeight: Int, toWidth: Int
    ) -> [Float] {
        func taps(_ outSize: Int, _ inSize: Int) -> [(Int, Int, Float)] {
            let scale = Float(inSize) / Float(outSize)
            return (0..<outSize).map { d in
                let s = max((Float(d) + 0.5) * scale - 0.5, 0)
                let i0 = min(Int(s), inSize - 1)
                let i1 = min(i0 + 1, inSize - 1)
                return (i0, i1, s - Float(i0))
            }
        }
        let rows = taps(toHeight, height), cols = taps(toWidth, width)
        var out = [Float](repeating: 0, count: channels * toHeight * toWidth)
        for c in 0..<channels {
            let plane = c * height * width
            for (y, (y0, y1, ly)) in rows.enumerated() {
                for (x, (x0, x1, lx)) in cols.enumerated() {
                    let top = (1 - lx) * image[plane + y0 * width + x0] + lx * image[plane + y0 * width + x1]
                    let bottom = (1 - lx) * image[plane + y1 * width + x0] + lx * image[plane + y1 * width + x1]
                    out[(c * toHeight + y) * toWidth + x] = (1 - ly) * top + ly * bottom
                }
            }
        }
        return out
    }
}
