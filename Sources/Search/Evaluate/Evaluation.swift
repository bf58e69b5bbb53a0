import Imaging
import Model
import Prompts

/// The three ways `vtv eval` runs a prompt: the original example-based prompting, the query alone,
/// and the query alone with the task's head outputs patched (docs/paper.md#token-layouts, docs/paper.md#head-outputs).
public enum EvaluationMode: String, CaseIterable, Codable, Sendable {
    case oneShot = "one_shot"
    case zeroShot = "zero_shot"
    case taskVectors = "zero_shot_task_vectors"

    /// The token layout the forward pass uses.
    public var promptMode: PromptMode { self == .oneShot ? .oneShot : .zeroShot }

    /// The column title in reports and figures.
    public var title: String {
        switch self {
        case .oneShot: return "one-shot"
        case .zeroShot: return "zero-shot"
        case .taskVectors: return "zero-shot + TV"
        }
    }
}

/// Runs prompts through MAE-VQGAN and renders what the published code scores: batched forward
/// passes, the argmax token of every predicted position, and the VQGAN decoding of the full
/// predicted grid (docs/paper.md#metrics).
public final class PromptEvaluator {
    public let model: MAEModel
    public let decoder: VQGANDecoder
    /// Prompts per forward pass (and per VQGAN decode).
    public let batchSize: Int
    private let output = MAEOutput()

    public init(model: MAEModel, decoder: VQGANDecoder, batchSize: Int) {
        precondition(batchSize >= 1, "batch size must be at least 1")
        self.model = model
        self.decoder = decoder
        self.batchSize = batchSize
    }

    /// The rendered prediction of each canvas in `mode`, with `patches` applied to every sample.
    /// canvases: each [3, size, size] in [0, 1]; results are 8-bit, renderSide x renderSide (default:
    /// the model's size; another side resizes the decoding bilinearly, as the published code does).
    public func predictions(
        canvases: [[Float]], mode: PromptMode, patches: PatchSet? = nil,
        renderSide: Int? = nil
    ) throws -> [RenderedImage] {
        let configuration = model.configuration
        let side = renderSide ?? configuration.imageSize
        var images: [RenderedImage] = []
        images.reserveCapacity(canvases.count)
        for start in stride(from: 0, to: canvases.count, by: batchSize) {
            let batch = canvases[start..<min(start + batchSize, canvases.count)]
            try model.forward(batch.map { MAESample(canvas: $0, mode: mode, patches: patches) }, into: output)
            let predicted = batch.indices.flatMap { output.argmax(of: $0 - start) }
            images += try Rendering.render(
                predicted: predicted, count: batch.count, mode: mode, grid: configuration.grid,
                decoder: decoder, canvasHeight: side, canvasWidth: side)
        }
        return images
    }
}

/// Quadrants of rendered canvases, for figures and for `vtv predict`.
public enum CanvasQuadrants {
    /// The quadrant with top-left corner (row, col) and side `layout.quadrant` as an RGB image.
    public static func crop(_ image: RenderedImage, row: Int, col: Int, side: Int) -> Image8 {
        precondition(row + side <= image.height && col + side <= image.width, "the quadrant lies outside the image")
        var pixels = [UInt8](repeating: 0, count: side * side * rgbChannels)
        for y in 0..<side {
            let from = ((row + y) * image.width + col) * rgbChannels
            pixels.replaceSubrange(
                y * side * rgbChannels..<(y + 1) * side * rgbChannels,
                with: image.pixels[from..<from + side * rgbChannels])
        }
        return Image8(width: side, height: side, channels: rgbChannels, pixels: pixels)
    }

    /// The query input quadrant (Q3, bottom-left) of a canvas image.
    public static func query(_ image: RenderedImage, layout: CanvasLayout) -> Image8 {
        crop(image, row: layout.secondStart, col: 0, side: layout.quadrant)
    }

    /// The answer quadrant (Q4, bottom-right), the region the metrics score.
    public static func answer(_ image: RenderedImage, layout: CanvasLayout) -> Image8 {
        crop(image, row: layout.secondStart, col: layout.secondStart, side: layout.quadrant)
    }

    /// The zero-shot canvas of a person's own image: `query` (already resized to the quadrant) in
    /// Q3, white (1.0) everywhere else. Returns [3, size, size] channel-major in [0, 1].
    /// The image is used as given (no darkening, graying or hole): it is the task's input.
    public static func zeroShotCanvas(query: QuadrantImage, layout: CanvasLayout) -> [Float] {
        precondition(query.side == layout.quadrant, "the query must be resized to the quadrant side")
        let size = layout.size, q = layout.quadrant, top = layout.secondStart
        var values = [Float](repeating: 1, count: rgbChannels * size * size)
        for c in 0..<rgbChannels {
            for y in 0..<q {
                for x in 0..<q { values[(c * size + top + y) * size + x] = query.rgb[(c * q + y) * q + x] }
            }
        }
        return values
    }
}
