import Foundation
import Imaging
import Model
import Randomness

/// The MAE forward pass's speed on random weights, per batch size: `vtv bench forward`'s work,
/// for docs/benchmarks.md.
public enum ForwardBenchmark {
    /// What to time.
    public struct Settings {
        /// The model's shapes; its weights are drawn from the original initialisation with `seed`.
        public var configuration: ModelConfiguration
        /// The name the report's header gives the configuration (vit-large, tiny).
        public var configurationName: String
        public var mode: PromptMode
        /// Batch sizes, each timed in turn.
        public var batches: [Int]
        /// Timed batches per batch size, after one warm-up batch.
        public var repeats: Int
        public var seed: UInt64
        /// Also build the VQGAN encoder and decoder and run them once per batch size, untimed, so the
        /// peak RSS covers a whole zero-shot prompt batch.
        public var withVQGAN: Bool
        /// The arithmetic of the MAE's Linear layers (bf16 needs AVX512_BF16).
        public var precision: LinearPrecision

        public init(
            configuration: ModelConfiguration, configurationName: String, mode: PromptMode, batches: [Int],
            repeats: Int, seed: UInt64, withVQGAN: Bool, precision: LinearPrecision
        ) {
            self.configuration = configuration
            self.configurationName = configurationName
            self.mode = mode
            self.batches = batches
            self.repeats = repeats
            self.seed = seed
            self.withVQGAN = withVQGAN
            self.precision = precision
        }
    }

    /// One batch size's timing.
    public struct BatchTiming {
        public let batch: Int
        /// Median seconds per sample over the timed batches.
        public let secondsPerSample: Double
        /// The process's peak RSS after this batch size's runs, MiB.
        public let peakResidentMiB: Double
    }

    /// The timings, and what the header line says about the run.
    public struct Report {
        public let settings: Settings
        /// Analytic FLOPs per sample (2*m*n*k per matrix product, as tools/bench/torch_forward.py counts).
        public let flopsPerSample: Double
        public let blasThreads: Int
        public let blasCore: String
        /// Bytes of the packed Linear weights, in the run's precision.
        public let packedLinearBytes: Int
        public let batches: [BatchTiming]

        /// The lines `vtv bench forward` prints: two header lines, then one per batch size.
        public var lines: [String] {
            [
                "vtv \(settings.configurationName) \(settings.mode.rawValue): "
                    + "\(String(format: "%.2f", flopsPerSample / 1e9)) GFLOP/sample, "
                    + "OpenBLAS \(blasThreads) thread(s), core \(blasCore)",
                "Linear layers \(settings.precision): packed weights "
                    + "\(String(format: "%.1f", Double(packedLinearBytes) / 1_048_576)) MiB"
            ]
                + batches.map {
                    String(
                        format: "batch %3d: %9.2f ms/sample  %7.1f GFLOP/s  peak RSS %.0f MiB",
                        $0.batch, $0.secondsPerSample * 1e3, flopsPerSample / $0.secondsPerSample / 1e9,
                        $0.peakResidentMiB)
                }
        }
    }

    /// Builds the model (one block for every part, as the pipeline loads a model), draws random
    /// canvases in [0, 1] and times `settings.repeats` batches per batch size after a warm-up batch.
    public static func run(_ settings: Settings) throws -> Report {
        let configuration = settings.configuration, mode = settings.mode, seed = settings.seed
        // Each drawn tensor is freed once derived.
        var drawn: WeightStore? =
            settings.withVQGAN ? configuration.initialWeights(seed: seed) : configuration.initialMAEWeights(seed: seed)
        let weights = try ModelWeights(
            configuration: configuration, parts: settings.withVQGAN ? .all : .mae, arena: PrivateWeightArena(),
            precision: settings.precision
        ) {
            defer { drawn = nil }
            return (drawn!, "")
        }
        let model = try MAEModel(configuration: configuration, weights: weights)
        // The encoder and decoder run one after the other, as in the pipeline: one workspace serves both.
        let vqganWorkspace = VQGANWorkspace()
        let vqgan =
            settings.withVQGAN
            ? (
                encoder: try VQGANEncoder(
                    configuration: configuration.vqgan, weights: weights, workspace: vqganWorkspace),
                decoder: try VQGANDecoder(
                    configuration: configuration.vqgan, weights: weights, workspace: vqganWorkspace)
            ) : nil
        let noise = RandomStream(seed: seed, name: "bench canvases")
        let side = configuration.imageSize
        let canvasCount = rgbChannels * side * side
        let output = MAEOutput()
        var timings: [BatchTiming] = []
        for batch in settings.batches {
            let samples = (0..<batch).map { i in
                MAESample(canvas: (0..<canvasCount).map { noise.unit(UInt64(i * canvasCount + $0)) }, mode: mode)
            }
            try model.forward(samples, into: output)
            var times: [Double] = []
            for _ in 0..<settings.repeats {
                let start = DispatchTime.now().uptimeNanoseconds
                try model.forward(samples, into: output)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - start) * 1e-9)
            }
            if let vqgan {
                _ = try vqgan.encoder.tokens(
                    canvases: samples.flatMap(\.canvas), count: batch, height: side, width: side)
                _ = try Rendering.render(
                    predicted: (0..<batch).flatMap { output.argmax(of: $0) }, count: batch, mode: mode,
                    grid: configuration.grid, decoder: vqgan.decoder, canvasHeight: side, canvasWidth: side)
            }
            timings.append(
                BatchTiming(
                    batch: batch, secondsPerSample: times.sorted()[times.count / 2] / Double(batch),
                    peakResidentMiB: ProcessResources.peakResidentMiB()))
        }
        return Report(
            settings: settings, flopsPerSample: configuration.forwardFLOPs(mode), blasThreads: BLASRuntime.threads,
            blasCore: BLASRuntime.coreName, packedLinearBytes: weights.packedLinearBytes, batches: timings)
    }
}
