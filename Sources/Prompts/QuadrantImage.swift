import Imaging

/// One image of a prompt (support or query) resized to the quadrant, with everything the tasks need.
///
/// The published pipeline (torchvision `Resize((111, 111), 3)` then `ToTensor()` on PIL images),
/// reproduced value for value:
/// - the RGB image is resized with PIL's bicubic filter in 8 bits, then each sample becomes
///   Float(k) / 255 in float32;
/// - the gray image is PIL's `convert('L')` of the *resized* 8-bit RGB image (fixture.h5 matches
///   this exactly; luma before resizing differs by up to 3 levels);
/// - the class mask is an 8-bit 'L' image (255 = class, 0 elsewhere, boundary 255 counts as
///   elsewhere) resized with the same bicubic filter, then / 255.
public struct QuadrantImage: Sendable {
    /// Used in error messages.
    public let name: String
    /// Quadrant side in pixels.
    public let side: Int
    /// [3, side, side] channel-major, values k/255.
    public let rgb: [Float]
    /// [side, side] row-major, values k/255: PIL 'L' of the resized RGB.
    public let gray: [Float]
    /// [side, side] row-major, values k/255: the resized class mask, or nil without labels.
    public let mask: [Float]?

    /// Resizes `image` (any channel count; converted as PIL's `convert('RGB')`) and, when given,
    /// the class mask `classMask` (1 channel, 0/255, same size as the image) to `side` x `side`.
    public init(name: String = "", image: Image8, classMask: Image8? = nil, side: Int) throws {
        self.name = name
        self.side = side
        let resized = image.rgb().resized(width: side, height: side, filter: .bicubic)
        let n = side * side
        var rgb = [Float](repeating: 0, count: rgbChannels * n)
        for i in 0..<n {
            for c in 0..<rgbChannels { rgb[c * n + i] = Float(resized.pixels[rgbChannels * i + c]) / 255 }
        }
        self.rgb = rgb
        gray = resized.luma().pixels.map { Float($0) / 255 }
        if let classMask {
            guard classMask.width == image.width, classMask.height == image.height else {
                throw PromptError.labelSizeMismatch(
                    image: name, imageSize: [image.height, image.width],
                    labelSize: [classMask.height, classMask.width])
            }
            mask = classMask.luma().resized(width: side, height: side, filter: .bicubic).pixels.map { Float($0) / 255 }
        } else {
            mask = nil
        }
    }

    /// The binary class mask of a label image: 255 where the label equals `classID`, 0 elsewhere
    /// (including the 255 'boundary' label). labels: 1 channel, as `ImageFile.readLabels` returns.
    public static func classMask(labels: Image8, classID: Int) -> Image8 {
        precondition(labels.channels == 1, "labels must have one channel")
        let target = classID
        return Image8(
            width: labels.width, height: labels.height, channels: 1,
            pixels: labels.pixels.map { Int($0) == target ? 255 : 0 })
    }
}
