/// The tasks a prompt can demonstrate. Raw values are the published code's task names (and the
/// group names in fixture.h5) for the five base tasks.
public enum PromptTask: String, CaseIterable, Sendable {
    /// Output: the class mask (white where the label is the class, 255 'boundary' is not).
    case segmentation
    /// Input: 0.5 * image; output: image.
    case lowlightEnhance = "lowlight_enhance"
    /// Input and output: image.
    case identity
    /// Input: image with a black square; output: image.
    case inpaint
    /// Input: gray image; output: image.
    case colorization
    /// Composite (task arithmetic): input darkened and holed; output: image.
    case lowlightInpaint = "lowlight_inpaint"
    /// Composite (task arithmetic): input holed; output: the class mask of the whole image.
    case segmentationOfHoledQuery = "segmentation_holed_query"
    /// Your own image-to-image task (`--source pairs:DIR`, `ImagePairsFolder`): input and output are
    /// the images of an example pair. Only a pairs source renders it.
    case pairs

    /// The tasks rendered from labelled images (the synthetic and PASCAL sources render all of them),
    /// in the published order: `all` in a task list. `pairs` is not among them: only a pairs source
    /// renders it (see `every`).
    public static let allCases: [PromptTask] = [
        .segmentation, .lowlightEnhance, .identity, .inpaint, .colorization, .lowlightInpaint,
        .segmentationOfHoledQuery
    ]

    /// Every task a file can name: `allCases` and `pairs`.
    public static let every: [PromptTask] = allCases + [.pairs]

    /// The five tasks of the paper's main experiments, in the published order (task ids 0-4).
    public static let base: [PromptTask] = [.segmentation, .lowlightEnhance, .identity, .inpaint, .colorization]

    /// Whether the output quadrant is a class mask (scored by IoU) rather than the image (MSE).
    public var isSegmentation: Bool { self == .segmentation || self == .segmentationOfHoledQuery }

    /// Whether the input carries the in-painting square.
    public var isHoled: Bool { self == .inpaint || self == .lowlightInpaint || self == .segmentationOfHoledQuery }
}

/// Errors in building prompts that a user (data, arguments) can cause.
public enum PromptError: Error, CustomStringConvertible, Equatable {
    case missingMask(task: String, image: String)
    case squareOutsideQuadrant(row: Int, col: Int, side: Int, quadrant: Int)
    case quadrantMismatch(expected: Int, support: Int, query: Int)
    case labelSizeMismatch(image: String, imageSize: [Int], labelSize: [Int])
    case missingFiles(count: Int, images: Int, labels: Int, examples: [String])
    case badSplitLine(file: String, line: Int, text: String)
    case emptySplit(file: String)
    case noSupportCandidate(query: String, classID: Int)
    case unreadable(file: String, reason: String)
    /// The `pairs` task's output images come from its pairs, not from the input image.
    case pairsNeedOutputImages

    public var description: String {
        switch self {
        case let .missingMask(task, image):
            return
                "task '\(task)' needs a class mask for image '\(image)'; build its QuadrantImage with labels and a class"
        case let .squareOutsideQuadrant(row, col, side, quadrant):
            return
                "in-painting square at [\(row), \(col)] of side \(side) does not fit in a \(quadrant)x\(quadrant) quadrant"
        case let .quadrantMismatch(expected, support, query):
            return
                "quadrant images must be \(expected)x\(expected) for this canvas; got support \(support), query \(query)"
        case let .labelSizeMismatch(image, imageSize, labelSize):
            return
                "label image for '\(image)' is \(labelSize[0])x\(labelSize[1]) but the image is \(imageSize[0])x\(imageSize[1])"
        case let .missingFiles(count, images, labels, examples):
            return "\(count) files listed by the split are missing (\(images) images, \(labels) labels), e.g. "
                + examples.joined(separator: ", ")
        case let .badSplitLine(file, line, text):
            return "\(file):\(line): expected '<image name>__<class 1..20>', found '\(text)'"
        case let .emptySplit(file): return "split file '\(file)' lists no images"
        case let .noSupportCandidate(query, classID):
            return "no other image of class \(classID) to use as support for query '\(query)'"
        case let .unreadable(file, reason): return "cannot read '\(file)': \(reason)"
        case .pairsNeedOutputImages:
            return "the 'pairs' task is rendered from input/output image pairs only (--source pairs:DIR)"
        }
    }
}
