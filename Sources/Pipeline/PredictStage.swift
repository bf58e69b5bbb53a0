import Foundation
import Imaging
import Model
import Prompts
import Search

/// What `vtv predict` does (`runPredict`): task vectors applied to a person's own image.
public struct PredictSettings {
    public var model: String
    /// The task vectors to apply.
    public var taskVectors: String
    /// A JPEG or PNG file: the task's input as given.
    public var image: String
    /// The PNG to write.
    public var out: String
    /// The side of the rendered canvas (nil: the model's canvas).
    public var canvasSize: Int?
    /// The whole canvas (the query as the model saw it and its answer) rather than the answer quadrant.
    public var full: Bool
    /// Whether task vectors of a sibling model (another content hash, the same configuration) are
    /// accepted; a file of another configuration is refused even then.
    public var allowOtherModel: Bool

    public init(
        model: String, taskVectors: String, image: String, out: String, canvasSize: Int? = nil, full: Bool = false,
        allowOtherModel: Bool = false
    ) {
        self.allowOtherModel = allowOtherModel
        self.model = model
        self.taskVectors = taskVectors
        self.image = image
        self.out = out
        self.canvasSize = canvasSize
        self.full = full
    }
}

/// The zero-shot canvas around the image (bottom-left quadrant, white elsewhere) through the model
/// with the task vectors patched, decoded by the VQGAN; writes the answer quadrant (or the whole
/// canvas) to `settings.out` on one process and returns the task vectors (their `modelHash` is
/// another model's only with `allowOtherModel`), the image written and the applying model's hash.
public func runPredict(_ settings: PredictSettings) throws -> (vectors: TaskVectors, image: Image8, modelHash: String) {
    let requestedSize = settings.canvasSize
    if let requestedSize {
        // The decoded canvas resized to the side, the answer (or the whole canvas) as 8-bit RGB, and its PNG.
        var budget = MemoryBudget()
        budget.add(
            "--canvas-size", requestedSize, count: requestedSize * requestedSize, of: 9, for: "the rendered canvas")
        try budget.check()
    }
    let model = try LoadedModel(path: settings.model, parts: [.mae, .vqganDecoder])
    let vectors = try model.taskVectors(
        settings.taskVectors, granularity: nil, allowOtherModel: settings.allowOtherModel)
    let imagePath = settings.image
    let image = try ImageFile.read(imagePath)
    let side = model.configuration.imageSize
    let size = requestedSize ?? side
    let out = settings.out

    let layout = CanvasLayout(size: side)
    let query = try QuadrantImage(name: imagePath, image: image, side: layout.quadrant)
    let canvas = CanvasQuadrants.zeroShotCanvas(query: query, layout: layout)
    let evaluator = PromptEvaluator(
        model: try model.mae(),
        decoder: try model.vqganDecoder(),
        batchSize: 1)
    let rendered = try evaluator.predictions(
        canvases: [canvas], mode: .zeroShot, patches: vectors.patchSet(),
        renderSide: size)[0]
    let outputLayout = CanvasLayout(size: size)
    let answer = CanvasQuadrants.answer(rendered, layout: outputLayout)
    let result: Image8
    if settings.full {
        let shownQuery = try QuadrantImage(name: imagePath, image: image, side: outputLayout.quadrant)
        var pixels = [UInt8](repeating: 255, count: size * size * 3)
        let q = outputLayout.quadrant, s = outputLayout.secondStart
        for y in 0..<q {
            for x in 0..<q {
                for c in 0..<3 {
                    pixels[((s + y) * size + x) * 3 + c] = UInt8((shownQuery.rgb[(c * q + y) * q + x] * 255).rounded())
                    pixels[((s + y) * size + s + x) * 3 + c] = answer[y, x, c]
                }
            }
        }
        result = Image8(width: size, height: size, channels: 3, pixels: pixels)
    } else {
        result = answer
    }
    let bytes = try ImageFile.encodePNG(result, name: out)
    try ImageFile.writePNG(bytes: bytes, to: out)
    return (vectors, result, model.hash)
}
