import Foundation
import Imaging

/// A VOC2012-style folder: `JPEGImages/<name>.jpg` and `SegmentationClassAug/<name>.png` (labels:
/// class id + 1, 0 background, 255 boundary). Used for prompts from named images (`vtv prompts build`)
/// and by `PascalPromptSource`.
public struct VOCFolder: Sendable {
    /// The folder holding JPEGImages/ and SegmentationClassAug/.
    public let path: String

    /// `root` is the VOC2012 folder itself, or a folder containing VOCdevkit/VOC2012.
    public init(root: String) {
        let nested = (root as NSString).appendingPathComponent("VOCdevkit/VOC2012")
        var isDirectory: ObjCBool = false
        path =
            FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue
            ? nested : root
    }

    public func imagePath(_ name: String) -> String {
        (path as NSString).appendingPathComponent("JPEGImages/\(name).jpg")
    }

    public func labelPath(_ name: String) -> String {
        (path as NSString).appendingPathComponent("SegmentationClassAug/\(name).png")
    }

    /// Loads image `name` and its class mask for `classID`, resized to `side` x `side`.
    /// Throws if either file is missing or not an image, if the label's size differs from the
    /// image's, or if the class does not occur in the label (an empty mask is always a data mistake).
    public func quadrantImage(_ name: String, classID: Int, side: Int) throws -> QuadrantImage {
        let image = try ImageFile.read(imagePath(name))
        let labels = try ImageFile.readLabels(labelPath(name))
        guard labels.width == image.width, labels.height == image.height else {
            throw PromptError.labelSizeMismatch(
                image: labelPath(name), imageSize: [image.height, image.width],
                labelSize: [labels.height, labels.width])
        }
        let mask = QuadrantImage.classMask(labels: labels, classID: classID)
        guard mask.pixels.contains(255) else {
            throw PromptSourceError.classAbsent(image: name, classID: classID, labelFile: labelPath(name))
        }
        return try QuadrantImage(name: name, image: image, classMask: mask, side: side)
    }

    /// The canvases of `tasks` for one prompt built from named images.
    public func canvases(
        query: String, support: String, classID: Int, square: InpaintSquare,
        tasks: [PromptTask], layout: CanvasLayout
    ) throws -> [PromptCanvas] {
        let s = try quadrantImage(support, classID: classID, side: layout.quadrant)
        let q = try quadrantImage(query, classID: classID, side: layout.quadrant)
        return try tasks.map { try PromptCanvas(task: $0, support: s, query: q, square: square, layout: layout) }
    }
}
