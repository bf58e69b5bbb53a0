import Foundation
import Model
import Prompts

/// How far bf16 Linear layers move a model's predictions from fp32's on a prompts file: `vtv bench
/// precision`'s work, for docs/benchmarks.md ("bf16 on AVX512_BF16").
public enum PrecisionBenchmark {
    /// The model, the prompts and how to run them.
    public struct Settings {
        /// The model as read from its file; one read serves both precisions (the store's arrays are
        /// shared, not copied).
        public var configuration: ModelConfiguration
        public var weights: WeightStore
        /// Where the model came from, for the report's header.
        public var modelPath: String
        /// Canvases of `configuration.imageSize` pixels.
        public var prompts: PromptsFile
        public var task: PromptTask
        /// Prompts 0 ..< count are run, as one batch.
        public var count: Int
        public var mode: PromptMode

        public init(
            configuration: ModelConfiguration, weights: WeightStore, modelPath: String, prompts: PromptsFile,
            task: PromptTask, count: Int, mode: PromptMode
        ) {
            self.configuration = configuration
            self.weights = weights
            self.modelPath = modelPath
            self.prompts = prompts
            self.task = task
            self.count = count
            self.mode = mode
        }
    }

    /// Per prompt, how bf16's prediction differs from fp32's.
    public struct Report {
        public let settings: Settings
        /// Bytes of the packed Linear weights in each precision.
        public let fp32PackedLinearBytes: Int
        public let bf16PackedLinearBytes: Int
        public let metric: PredictionMetric
        /// One per prompt, in prompt order.
        public let differences: [PrecisionDifference]

        /// The lines `vtv bench precision` prints: a header, a column header, one row per prompt and
        /// one over all prompts (the largest maxima, the mean means, the total tokens, the mean scores).
        public var lines: [String] {
            let s = settings, d = differences, n = Double(differences.count)
            return [
                "\(s.modelPath), \(s.prompts.path): \(s.count) \(s.task.rawValue) prompts \(s.mode.rawValue), "
                    + "bf16 Linear layers against fp32 (packed weights \(fp32PackedLinearBytes / 1024) KiB fp32, "
                    + "\(bf16PackedLinearBytes / 1024) KiB bf16)",
                "prompt  max|dlogit|  mean|dlogit|  tokens changed  max|dpixel|  mean|dpixel|  "
                    + "\(metric.rawValue) fp32  \(metric.rawValue) bf16"
            ]
                + d.enumerated().map { i, d in
                    String(
                        format: "%6d  %11.5f  %12.6f  %8d / %3d  %11d  %12.4f  %9.5f  %9.5f", i, d.maxLogitDifference,
                        d.meanLogitDifference, d.changedTokens, d.positions, d.maxPixelDifference,
                        d.meanPixelDifference, d.referenceScore, d.candidateScore)
                } + [
                    String(
                        format:
                            "all     %11.5f  %12.6f  %8d / %3d  %11d  %12.4f  %9.5f  %9.5f  (mean |score change| %.5f)",
                        d.map(\.maxLogitDifference).max()!, d.map(\.meanLogitDifference).reduce(0, +) / n,
                        d.map(\.changedTokens).reduce(0, +), d.map(\.positions).reduce(0, +),
                        d.map(\.maxPixelDifference).max()!, d.map(\.meanPixelDifference).reduce(0, +) / n,
                        d.map(\.referenceScore).reduce(0, +) / n, d.map(\.candidateScore).reduce(0, +) / n,
                        d.map { abs($0.candidateScore - $0.referenceScore) }.reduce(0, +) / n)
                ]
        }
    }

    /// Builds the reference (fp32 Linear layers) and the bf16 MAE from one store, runs the prompts
    /// as one batch through both, and decodes both predictions with the same fp32 VQGAN decoder.
    /// Throws if the CPU lacks AVX512_BF16.
    public static func run(_ settings: Settings) throws -> Report {
        let configuration = settings.configuration, count = settings.count, mode = settings.mode
        let side = configuration.imageSize
        let reference = try ModelWeights(configuration: configuration, parts: .all, arena: PrivateWeightArena()) {
            (settings.weights, "")
        }
        let bf16 = try ModelWeights(
            configuration: configuration, parts: .mae, arena: PrivateWeightArena(), precision: .bf16
        ) { (settings.weights, "") }
        let decoder = try VQGANDecoder(configuration: configuration.vqgan, weights: reference)
        let canvases = try (0..<count).map { try settings.prompts.canvases($0, tasks: [settings.task])[0].values }
        let samples = canvases.map { MAESample(canvas: $0, mode: mode) }
        let metric: PredictionMetric = settings.task.isSegmentation ? .segmentationIoU : .normalizedMSE
        var outputs: [MAEOutput] = []
        var images: [[RenderedImage]] = []
        for weights in [reference, bf16] {
            let output = try MAEModel(configuration: configuration, weights: weights).forward(samples)
            outputs.append(output)
            images.append(
                try Rendering.render(
                    predicted: (0..<count).flatMap { output.argmax(of: $0) }, count: count, mode: mode,
                    grid: configuration.grid, decoder: decoder, canvasHeight: side, canvasWidth: side))
        }
        let differences = (0..<count).map { i in
            PrecisionDifference(
                reference: outputs[0], candidate: outputs[1], sample: i, referenceImage: images[0][i],
                candidateImage: images[1][i],
                target: Metrics.targetImage(canvas: canvases[i], height: side, width: side), metric: metric)
        }
        return Report(
            settings: settings, fp32PackedLinearBytes: reference.packedLinearBytes,
            bf16PackedLinearBytes: bf16.packedLinearBytes, metric: metric, differences: differences)
    }
}
