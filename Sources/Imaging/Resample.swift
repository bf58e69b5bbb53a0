// Resizing with the exact semantics of Pillow's `Image.resize` (libImaging/Resample.c), so that
// prompt canvases match the published pipeline, which resizes PIL images via torchvision.
//
// The algorithm: separable convolution, one horizontal and one vertical pass; a pass is skipped
// when that dimension keeps its size. The order matters (each 8-bit pass rounds and clips): Pillow
// 13 runs the vertical pass first when the height shrinks by more than twice as many pixels as the
// width (`ResamplePassOrder`), and the horizontal pass first otherwise.
// For output sample i the source centre is (i + 0.5) * scale with scale = inSize / outSize; when
// shrinking (scale > 1) the filter is stretched by `scale` (antialiasing), so its support is
// `filter.support * max(scale, 1)`. Taps span
// [trunc(centre - support + 0.5), trunc(centre + support + 0.5)) clipped to the image, each
// weighted by filter((j - centre + 0.5) / max(scale, 1)) and normalised to sum 1.
// In 8-bit mode the weights become fixed point with 22 fractional bits (32 - 8 - 2), rounded half
// away from zero; sums start at 0.5 in that fixed point and are clipped to 0...255 after each pass.
// In float mode the sums are doubles and each pass stores float32.

/// A resampling filter of Pillow.
public enum ResampleFilter: Sendable {
    /// Triangle filter, support 1 (PIL `BILINEAR`).
    case bilinear
    /// Keys cubic with a = -0.5, support 2 (PIL `BICUBIC`; torchvision interpolation 3).
    case bicubic

    var support: Double {
        switch self {
        case .bilinear: return 1
        case .bicubic: return 2
        }
    }

    func weight(_ t: Double) -> Double {
        let x = abs(t)
        switch self {
        case .bilinear:
            return x < 1 ? 1 - x : 0
        case .bicubic:
            let a = -0.5
            if x < 1 { return ((a + 2) * x - (a + 3)) * x * x + 1 }
            if x < 2 { return (((x - 5) * x + 8) * x - 4) * a }
            return 0
        }
    }
}

/// Which 1-D pass Pillow's `ImagingResampleInner` (libImaging/Resample.c) runs first.
///
/// Pillow 13.0 (python-pillow/Pillow#9549) runs the vertical pass first when
/// `inHeight - outHeight > 0 && inHeight - outHeight > 2 * (inWidth - outWidth)` (sizes in pixels, not
/// ratios), to make the horizontal pass cheaper; otherwise the horizontal pass runs first, on only the
/// input rows the vertical pass will read. Pillow 12 and earlier always ran the horizontal pass first;
/// the two orders differ by up to 15 levels (of 255) near hard edges, each 8-bit pass rounding and
/// clipping, e.g. on a 240 x 500 portrait resized to 111 x 111 (Tests/Fixtures/pil/sweep).
enum ResamplePassOrder: Equatable {
    case horizontalFirst
    case verticalFirst

    init(inWidth: Int, inHeight: Int, outWidth: Int, outHeight: Int) {
        let heightLoss = inHeight - outHeight, widthLoss = inWidth - outWidth
        self = heightLoss > 0 && heightLoss > 2 * widthLoss ? .verticalFirst : .horizontalFirst
    }
}

/// Per-output-sample taps of one resampling pass: output i reads `count[i]` inputs from `start[i]`
/// with weights `weights[i * taps ..< i * taps + count[i]]` (normalised to sum 1).
struct ResampleTaps {
    let start: [Int]
    let count: [Int]
    let taps: Int
    let weights: [Double]

    static let precisionBits = 32 - 8 - 2

    init(inSize: Int, outSize: Int, filter: ResampleFilter) {
        let scale = Double(inSize) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let taps = Int(support.rounded(.up)) * 2 + 1
        var start = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Double](repeating: 0, count: outSize * taps)
        let inverse = 1.0 / filterScale
        for i in 0..<outSize {
            let centre = (Double(i) + 0.5) * scale
            let lo = max(Int(centre - support + 0.5), 0)
            let hi = min(Int(centre + support + 0.5), inSize)
            var total = 0.0
            for j in 0..<(hi - lo) {
                let w = filter.weight((Double(j + lo) - centre + 0.5) * inverse)
                weights[i * taps + j] = w
                total += w
            }
            if total != 0 {
                for j in 0..<(hi - lo) { weights[i * taps + j] /= total }
            }
            start[i] = lo
            count[i] = hi - lo
        }
        self.start = start
        self.count = count
        self.taps = taps
        self.weights = weights
    }

    /// The weights in Pillow's 8-bit fixed point (22 fractional bits, rounded half away from zero).
    var fixedPoint: [Int] {
        let one = Double(1 << ResampleTaps.precisionBits)
        return weights.map { $0 < 0 ? Int(-0.5 + $0 * one) : Int(0.5 + $0 * one) }
    }

    /// First and one-past-last input index used by any output.
    var inputRange: Range<Int> {
        guard let first = start.first, let last = start.last, let n = count.last else { return 0..<0 }
        return first..<(last + n)
    }
}

@inline(__always) private func clip8(_ sum: Int) -> UInt8 {
    let bits = ResampleTaps.precisionBits
    if sum >= (1 << bits) << 8 { return 255 }
    if sum <= 0 { return 0 }
    return UInt8(truncatingIfNeeded: sum >> bits)
}

/// Horizontal 8-bit pass. src: [srcHeight, srcWidth, channels]; reads rows firstRow..<firstRow+rows;
/// dst: [rows, outWidth, channels]. Channels are accumulated together (up to 4, Pillow's pixel size).
private func resampleRows8(
    _ src: UnsafeBufferPointer<UInt8>, srcWidth: Int, channels: Int,
    firstRow: Int, rows: Int, taps: ResampleTaps,
    _ dst: UnsafeMutableBufferPointer<UInt8>
) {
    let outWidth = taps.start.count
    let half = 1 << (ResampleTaps.precisionBits - 1)
    taps.fixedPoint.withUnsafeBufferPointer { k in
        taps.start.withUnsafeBufferPointer { start in
            taps.count.withUnsafeBufferPointer { count in
                for y in 0..<rows {
                    let rowBase = (firstRow + y) * srcWidth * channels
                    for x in 0..<outWidth {
                        let kb = x * taps.taps
                        var s0 = half, s1 = half, s2 = half, s3 = half
                        var p = rowBase + start[x] * channels
                        for j in 0..<count[x] {
                            let w = k[kb + j]
                            s0 += Int(src[p]) * w
                            if channels > 1 { s1 += Int(src[p + 1]) * w }
                            if channels > 2 { s2 += Int(src[p + 2]) * w }
                            if channels > 3 { s3 += Int(src[p + 3]) * w }
                            p += channels
                        }
                        let o = (y * outWidth + x) * channels
                        dst[o] = clip8(s0)
                        if channels > 1 { dst[o + 1] = clip8(s1) }
                        if channels > 2 { dst[o + 2] = clip8(s2) }
                        if channels > 3 { dst[o + 3] = clip8(s3) }
                    }
                }
            }
        }
    }
}

/// Vertical 8-bit pass. src: [srcRows, width, channels] where row 0 is input row `rowOffset`;
/// dst: [outHeight, width, channels].
private func resampleColumns8(
    _ src: UnsafeBufferPointer<UInt8>, width: Int, channels: Int,
    rowOffset: Int, taps: ResampleTaps,
    _ dst: UnsafeMutableBufferPointer<UInt8>
) {
    let rowLength = width * channels
    let half = 1 << (ResampleTaps.precisionBits - 1)
    var sums = [Int](repeating: 0, count: rowLength)
    taps.fixedPoint.withUnsafeBufferPointer { k in
        sums.withUnsafeMutableBufferPointer { sums in
            for y in 0..<taps.start.count {
                let lo = taps.start[y] - rowOffset, kb = y * taps.taps
                for i in 0..<rowLength { sums[i] = half }
                // Row by row, so the inner loop walks contiguous memory.
                for j in 0..<taps.count[y] {
                    let w = k[kb + j], base = (lo + j) * rowLength
                    for i in 0..<rowLength { sums[i] += Int(src[base + i]) * w }
                }
                for i in 0..<rowLength { dst[y * rowLength + i] = clip8(sums[i]) }
            }
        }
    }
}

/// An image Pillow resizes in two separable passes, a horizontal and a vertical one.
protocol SeparablyResampled {
    var width: Int { get }
    var height: Int { get }
    /// Rows `rows` filtered horizontally, the output `taps.start.count` wide.
    func horizontalPass(_ taps: ResampleTaps, rows: Range<Int>) -> Self
    /// Filtered vertically (row 0 being input row `rowOffset` of `taps`), `taps.start.count` high.
    func verticalPass(_ taps: ResampleTaps, rowOffset: Int) -> Self
}

extension SeparablyResampled {
    /// Resized to `outWidth` x `outHeight` by the two passes in Pillow 13's order (`ResamplePassOrder`).
    func twoPassResized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter) -> Self {
        precondition(outWidth > 0 && outHeight > 0 && width > 0 && height > 0, "resize of an empty image")
        if outWidth == width && outHeight == height { return self }
        let vertical = ResampleTaps(inSize: height, outSize: outHeight, filter: filter)
        let horizontal = ResampleTaps(inSize: width, outSize: outWidth, filter: filter)
        switch ResamplePassOrder(inWidth: width, inHeight: height, outWidth: outWidth, outHeight: outHeight) {
        case .verticalFirst:
            let shorter = verticalPass(vertical, rowOffset: 0)
            return outWidth != width ? shorter.horizontalPass(horizontal, rows: 0..<outHeight) : shorter
        case .horizontalFirst:
            guard outWidth != width else { return verticalPass(vertical, rowOffset: 0) }
            // Only the input rows the vertical pass will read are filtered horizontally.
            let rows = outHeight != height ? vertical.inputRange : 0..<height
            let narrower = horizontalPass(horizontal, rows: rows)
            return outHeight != height ? narrower.verticalPass(vertical, rowOffset: rows.lowerBound) : narrower
        }
    }
}

extension Image8: SeparablyResampled {
    /// This image resized to `width` x `height` exactly as Pillow 13's `Image.resize((width, height), filter)`
    /// on an 'L' or 'RGB' image (8-bit fixed point, antialiased when shrinking, passes in Pillow's order:
    /// `ResamplePassOrder`). Channels are filtered independently: unlike Pillow, alpha is not
    /// premultiplied, so call `rgb()` first for images with alpha.
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter = .bicubic) -> Image8 {
        twoPassResized(width: outWidth, height: outHeight, filter: filter)
    }

    /// Rows `rows` of this image filtered horizontally: [rows.count, taps.start.count, channels].
    func horizontalPass(_ taps: ResampleTaps, rows: Range<Int>) -> Image8 {
        let outWidth = taps.start.count
        var out = [UInt8](repeating: 0, count: rows.count * outWidth * channels)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                resampleRows8(
                    src, srcWidth: width, channels: channels, firstRow: rows.lowerBound,
                    rows: rows.count, taps: taps, dst)
            }
        }
        return Image8(width: outWidth, height: rows.count, channels: channels, pixels: out)
    }

    /// This image filtered vertically, its row 0 being input row `rowOffset` of `taps`:
    /// [taps.start.count, width, channels].
    func verticalPass(_ taps: ResampleTaps, rowOffset: Int) -> Image8 {
        let outHeight = taps.start.count
        var out = [UInt8](repeating: 0, count: width * outHeight * channels)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                resampleColumns8(src, width: width, channels: channels, rowOffset: rowOffset, taps: taps, dst)
            }
        }
        return Image8(width: width, height: outHeight, channels: channels, pixels: out)
    }
}

/// A one-channel float image, Pillow's mode 'F': `values` is [height, width] row-major.
public struct FloatPlane: Equatable, Sendable, SeparablyResampled {
    public let width: Int
    public let height: Int
    /// [height, width] row-major.
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height, "value count \(values.count) != \(height)x\(width)")
        self.width = width
        self.height = height
        self.values = values
    }

    /// Resized as Pillow 13 resizes an 'F' image: double-precision sums of normalised weights,
    /// float32 storage after each pass, no clipping, passes in Pillow's order (`ResamplePassOrder`).
    public func resized(width outWidth: Int, height outHeight: Int, filter: ResampleFilter = .bicubic) -> FloatPlane {
        twoPassResized(width: outWidth, height: outHeight, filter: filter)
    }

    /// Rows `rows` filtered horizontally: [rows.count, taps.start.count].
    func horizontalPass(_ taps: ResampleTaps, rows: Range<Int>) -> FloatPlane {
        let outWidth = taps.start.count
        var out = [Float](repeating: 0, count: rows.count * outWidth)
        for y in 0..<rows.count {
            let base = (rows.lowerBound + y) * width
            for x in 0..<outWidth {
                var sum = 0.0
                for j in 0..<taps.count[x] {
                    sum += Double(values[base + taps.start[x] + j]) * taps.weights[x * taps.taps + j]
                }
                out[y * outWidth + x] = Float(sum)
            }
        }
        return FloatPlane(width: outWidth, height: rows.count, values: out)
    }

    /// Filtered vertically, row 0 being input row `rowOffset` of `taps`: [taps.start.count, width].
    func verticalPass(_ taps: ResampleTaps, rowOffset: Int) -> FloatPlane {
        let outHeight = taps.start.count
        var out = [Float](repeating: 0, count: width * outHeight)
        for y in 0..<outHeight {
            let lo = taps.start[y] - rowOffset
            for x in 0..<width {
                var sum = 0.0
                for j in 0..<taps.count[y] {
                    sum += Double(values[(lo + j) * width + x]) * taps.weights[y * taps.taps + j]
                }
                out[y * width + x] = Float(sum)
            }
        }
        return FloatPlane(width: width, height: outHeight, values: out)
    }
}
