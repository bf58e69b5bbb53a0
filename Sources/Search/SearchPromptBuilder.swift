import Model
import Prompts

extension PromptTask {
    /// The published metric of a task: IoU for segmentation, normalized MSE for the others.
    public var metric: PredictionMetric { isSegmentation ? .segmentationIoU : .normalizedMSE }
}

/// Builds `SearchPrompt`s: canvases with their targets (VQGAN tokens of the answer quadrant,
/// the 8-bit target image) and the task means that patch them.
public struct SearchPromptBuilder {
    public let configuration: ModelConfiguration
    public let encoder: VQGANEncoder
    public let evaluator: RewardEvaluator

    public init(configuration: ModelConfiguration, encoder: VQGANEncoder, evaluator: RewardEvaluator) {
        self.configuration = configuration
        self.encoder = encoder
        self.evaluator = evaluator
    }

    /// One prompt per canvas (all of task `taskIndex`, patched with `means`).
    public func prompts(canvases: [PromptCanvas], names: [String], task: PromptTask, taskIndex: Int,
                        means: HeadOutputs) throws -> [SearchPrompt] {
        let size = configuration.imageSize
        let tokens = try encoder.tokens(canvases: canvases.flatMap(\.values), count: canvases.count, height: size, width: size)
        let perCanvas = configuration.grid * configuration.grid
        return canvases.indices.map { i in
            SearchPrompt(canvas: canvases[i].values, task: taskIndex, metric: task.metric, means: means,
                         targetTokens: evaluator.answerTokens(canvasTokens: Array(tokens[i * perCanvas ..< (i + 1) * perCanvas])),
                         targetImage: Metrics.targetImage(canvas: canvases[i].values, height: size, width: size),
                         name: names[i])
        }
    }
}
