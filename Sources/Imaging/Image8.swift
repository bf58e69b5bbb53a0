/// An 8-bit image: `pixels` is [height, width, channels] row-major (HWC, interleaved).
/// Channels: 1 = gray or label indices, 2 = gray + alpha, 3 = RGB, 4 = RGBA.
public struct Image8: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public let channels: Int
    /// [height, width, channels] row-major.
    public var pixels: [UInt8]

    /// Wraps `pixels` ([height, width, channels] row-major); the count must match.
    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0 && (1...4).contains(channels), "bad image geometry")
        precondition(
            pixels.count == width * height * channels,
            "pixel count \(pixels.count) != \(height)x\(width)x\(channels)")
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    /// An image filled with one value in every sample.
    public init(width: Int, height: Int, channels: Int, filledWith value: UInt8) {
        self.init(
            width: width, height: height, channels: channels,
            pixels: [UInt8](repeating: value, count: width * height * channels))
    }

    /// The sample at row `y`, column `x`, channel `c`.
    @inlinable public subscript(y: Int, x: Int, c: Int) -> UInt8 {
        get { pixels[(y * width + x) * channels + c] }
        set { pixels[(y * width + x) * channels + c] = newValue }
    }

    /// This image as 3-channel RGB, as PIL's `convert('RGB')`: gray is replicated, alpha dropped.
    public func rgb() -> Image8 {
        if channels == rgbChannels { return self }
        var out = [UInt8](repeating: 0, count: width * height * rgbChannels)
        let n = width * height
        pixels.withUnsafeBufferPointer { src in
            for i in 0..<n {
                switch channels {
                case 1, 2:
                    let g = src[i * channels]
                    out[rgbChannels * i] = g; out[rgbChannels * i + 1] = g; out[rgbChannels * i + 2] = g
                default:
                    out[rgbChannels * i] = src[4 * i]; out[rgbChannels * i + 1] = src[4 * i + 1];
                    out[rgbChannels * i + 2] = src[4 * i + 2]
                }
            }
        }
        return Image8(width: width, height: height, channels: rgbChannels, pixels: out)
    }

    /// One-channel luma exactly as PIL's `convert('L')` from RGB:
    /// L = (19595 R + 38470 G + 7471 B + 0x8000) >> 16, the 16-bit fixed-point form of
    /// 0.299 R + 0.587 G + 0.114 B (Pillow's documented 299/587/114 formula differs on half the inputs).
    /// Gray images are returned unchanged (alpha dropped).
    public func luma() -> Image8 {
        let n = width * height
        var out = [UInt8](repeating: 0, count: n)
        pixels.withUnsafeBufferPointer { src in
            if channels <= 2 {
                for i in 0..<n { out[i] = src[i * channels] }
                return
            }
            for i in 0..<n {
                let r = UInt32(src[i * channels]), g = UInt32(src[i * channels + 1])
                let b = UInt32(src[i * channels + 2])
                out[i] = UInt8((r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16)
            }
        }
        return Image8(width: width, height: height, channels: 1, pixels: out)
    }
}
