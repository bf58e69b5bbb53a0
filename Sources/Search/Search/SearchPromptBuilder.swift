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
    public func prompts(
        canvases: [PromptCanvas], names: [String], task: PromptTask, taskIndex: Int,
        means: HeadOutputs
    ) throws -> [SearchPrompt] {
        let size = configuration.imageSize
        let tokens = try encoder.tokens(
            canvases: canvases.flatMap(\.values), count: canvases.count, height: size, width: size)
        let perCanvas = configuration.grid * configuration.grid
        return canvases.indices.map { i in
            SearchPrompt(
                canvas: canvases[i].values, task: taskIndex, metric: task.metric, means: means,
                targetTokens: evaluator.answerTokens(canvasTokens: Array(tokens[i * perCanvas..<(i + 1) * perCanvas])),
                targetImage: Metrics.targetImage(canvas: canvases[i].values, height: size, width: size),
                name: names[i])
        }
    }

    /// The same prompts with their targets replaced by what the model predicts zero-shot when
    /// patched with `patches` (the tokens and token distributions at Q4, and the rendered image
    /// when `decoder` is given): a planted answer that a search should recover.
    public func retargeted(
        _ prompts: [SearchPrompt], patches: PatchSet, model: MAEModel,
        decoder: VQGANDecoder?
    ) throws -> [SearchPrompt] {
        guard !prompts.isEmpty else { return [] }
        let output = try model.forward(prompts.map { MAESample(canvas: $0.canvas, mode: .zeroShot, patches: patches) })
        let size = configuration.imageSize
        let images = try decoder.map {
            try Rendering.render(
                predicted: prompts.indices.flatMap { output.argmax(of: $0) }, count: prompts.count,
                mode: .zeroShot, grid: configuration.grid, decoder: $0, canvasHeight: size, canvasWidth: size)
        }
        return prompts.indices.map { i in
            let predicted = output.argmax(of: i)
            let p = prompts[i]
            return SearchPrompt(
                canvas: p.canvas, task: p.task, metric: p.metric, means: p.means,
                targetTokens: evaluator.answerRows.map { predicted[$0] },
                targetImage: images?[i] ?? p.targetImage,
                targetDistribution: output.withLogits(of: i) { evaluator.answerDistribution($0) },
                name: p.name + " (planted target)")
        }
    }
}
