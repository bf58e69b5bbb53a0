import Foundation
import Model
import Prompts

/// One prompt of a search: its canvas, the task means that patch it, and its targets.
public struct SearchPrompt {
    /// The task's one-shot canvas [3, size, size] in [0, 1]; zero-shot runs see only its query.
    public let canvas: [Float]
    /// Index of the prompt's task in the search's task list.
    public let task: Int
    public let metric: PredictionMetric
    /// One-shot task means that patches are taken from.
    public let means: HeadOutputs
    /// VQGAN tokens of the canvas at the zero-shot predicted positions of the answer quadrant Q4.
    public let targetTokens: [Int32]
    /// The 8-bit target image the pixel metric compares with.
    public let targetImage: RenderedImage
    /// Soft targets for the token reward, [answer rows, vocabulary] probabilities, or nil for the
    /// hard `targetTokens`. Cross-entropy against a distribution p is smallest exactly where the
    /// prediction equals p, which makes a planted answer the unique optimum.
    public let targetDistribution: [Float]?
    public let name: String

    public init(
        canvas: [Float], task: Int, metric: PredictionMetric, means: HeadOutputs,
        targetTokens: [Int32], targetImage: RenderedImage, targetDistribution: [Float]? = nil, name: String
    ) {
        self.canvas = canvas
        self.task = task
        self.metric = metric
        self.means = means
        self.targetTokens = targetTokens
        self.targetImage = targetImage
        self.targetDistribution = targetDistribution
        self.name = name
    }
}

/// Scores patch masks: each (prompt, mask) is a zero-shot forward pass with the mask's head
/// outputs patched, batched `batchSize` at a time; the loss is the pixel metric of the decoded
/// prediction or the token cross-entropy on Q4.
public final class RewardEvaluator {
    public let model: MAEModel
    public let decoder: VQGANDecoder?
    public let space: PatchVariables
    public let batchSize: Int
    private let output = MAEOutput()
    /// Zero-shot logit rows (0 ..< 98) that lie in Q4, in kept order.
    public let answerRows: [Int]

    public init(model: MAEModel, decoder: VQGANDecoder?, space: PatchVariables, batchSize: Int) {
        self.model = model
        self.decoder = decoder
        self.space = space
        self.batchSize = batchSize
        let layout = TokenLayout(mode: .zeroShot, grid: model.configuration.grid)
        let grid = model.configuration.grid
        answerRows = layout.kept.indices.filter { layout.kept[$0] % grid >= grid / 2 }
    }

    /// The target tokens a prompt is scored against (see `SearchPrompt.targetTokens`):
    /// canvasTokens: the VQGAN tokens of the whole canvas, [grid*grid] raster.
    public func answerTokens(canvasTokens: [Int32]) -> [Int32] {
        let layout = TokenLayout(mode: .zeroShot, grid: model.configuration.grid)
        return answerRows.map { canvasTokens[layout.kept[$0]] }
    }

    /// The loss of each (prompt, mask) pair: -IoU or MSE (`pixel`), or mean cross-entropy in nats
    /// over Q4 (`tokens`).
    public func losses(_ items: [(prompt: SearchPrompt, mask: [Bool])], reward: SearchSettings.Reward) throws
        -> [Double]
    {
        var losses: [Double] = []
        losses.reserveCapacity(items.count)
        for start in stride(from: 0, to: items.count, by: batchSize) {
            let batch = items[start..<min(start + batchSize, items.count)]
            let samples = batch.map { item in
                MAESample(
                    canvas: item.prompt.canvas, mode: .zeroShot,
                    patches: PatchSet(
                        taskVectors: space.targets(selected: item.mask), means: item.prompt.means, mode: .zeroShot))
            }
            try model.forward(samples, into: output)
            losses += try score(Array(batch.map(\.prompt)), reward: reward)
        }
        return losses
    }

    /// Scores the logits of the last batch in `output`.
    private func score(_ prompts: [SearchPrompt], reward: SearchSettings.Reward) throws -> [Double] {
        switch reward {
        case .tokens:
            return prompts.indices.map { i in
                output.withLogits(of: i) { logits in
                    if let p = prompts[i].targetDistribution {
                        return softCrossEntropy(logits, rows: answerRows, targets: p)
                    }
                    return crossEntropy(logits, rows: answerRows, targets: prompts[i].targetTokens)
                }
            }
        case .pixel:
            guard let decoder else { preconditionFailure("the pixel reward needs the VQGAN decoder") }
            let configuration = model.configuration
            let predicted = prompts.indices.flatMap { output.argmax(of: $0) }
            let images = try Rendering.render(
                predicted: predicted, count: prompts.count, mode: .zeroShot,
                grid: configuration.grid, decoder: decoder,
                canvasHeight: configuration.imageSize, canvasWidth: configuration.imageSize)
            return zip(prompts, images).map { $0.metric.loss(target: $0.targetImage, prediction: $1) }
        }
    }

    /// log sum_j exp(logits[row, j]), computed stably; logits: [positions, vocabulary].
    private func logNormalizer(_ logits: UnsafeBufferPointer<Float>, row: Int) -> Double {
        let vocabulary = model.configuration.vocabulary, base = row * vocabulary
        var maximum = -Float.infinity
        for j in 0..<vocabulary { maximum = max(maximum, logits[base + j]) }
        var sum = 0.0
        for j in 0..<vocabulary { sum += Double(expf(logits[base + j] - maximum)) }
        return log(sum) + Double(maximum)
    }

    /// Mean over `rows` of -log softmax(logits[row])[target]; logits: [positions, vocabulary].
    func crossEntropy(_ logits: UnsafeBufferPointer<Float>, rows: [Int], targets: [Int32]) -> Double {
        let vocabulary = model.configuration.vocabulary
        let total = zip(rows, targets).reduce(0.0) { total, pair in
            total + logNormalizer(logits, row: pair.0) - Double(logits[pair.0 * vocabulary + Int(pair.1)])
        }
        return total / Double(rows.count)
    }

    /// Mean over `rows` of -sum_j p[row, j] log softmax(logits[row])[j]; targets: [rows.count, vocabulary].
    func softCrossEntropy(_ logits: UnsafeBufferPointer<Float>, rows: [Int], targets: [Float]) -> Double {
        let vocabulary = model.configuration.vocabulary
        var total = 0.0
        for (k, row) in rows.enumerated() {
            let normalizer = logNormalizer(logits, row: row)
            for j in 0..<vocabulary {
                total += Double(targets[k * vocabulary + j]) * (normalizer - Double(logits[row * vocabulary + j]))
            }
        }
        return total / Double(rows.count)
    }

    /// softmax of the answer rows of `logits` ([positions, vocabulary]): [answerRows.count, vocabulary].
    func answerDistribution(_ logits: UnsafeBufferPointer<Float>) -> [Float] {
        let vocabulary = model.configuration.vocabulary
        var p = [Float](repeating: 0, count: answerRows.count * vocabulary)
        for (k, row) in answerRows.enumerated() {
            let normalizer = logNormalizer(logits, row: row)
            for j in 0..<vocabulary {
                p[k * vocabulary + j] = Float(exp(Double(logits[row * vocabulary + j]) - normalizer))
            }
        }
        return p
    }
}
