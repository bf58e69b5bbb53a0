import Distributed
import Foundation
import Model
import Prompts
import Search

/// Search throughput (samples/s over all ranks) and the share of wall time spent in MPI collectives,
/// on synthetic segmentation prompts with task means recorded on them: `vtv bench search`'s work.
public enum SearchBenchmark {
    /// How the search's masks are evaluated.
    public enum Procedure: String, CaseIterable, Sendable {
        /// Batched forward passes with the settings' reward.
        case batched
        /// The published code's way with our engine: each sample alone (batch 1), decoded by the VQGAN
        /// and scored in pixels.
        case published
    }

    /// The model, the search and how the run is named.
    public struct Settings {
        /// The configuration or model file the report names.
        public var name: String
        public var procedure: Procedure
        /// The search: `iterations` timed iterations (one warm-up iteration runs before them),
        /// `samplesPerIteration`, `batchSize`, `reward` and `trainPrompts` synthetic prompts.
        public var search: SearchSettings
        /// Seed of the synthetic prompts.
        public var seed: UInt64
        public var configuration: ModelConfiguration
        /// Every part of the model (MAE and VQGAN).
        public var weights: ModelWeights
        /// How the ranks hold the weights, as the report says it ("one copy of the weights per rank").
        public var weightCopies: String

        public init(
            name: String, procedure: Procedure, search: SearchSettings, seed: UInt64,
            configuration: ModelConfiguration, weights: ModelWeights, weightCopies: String
        ) {
            self.name = name
            self.procedure = procedure
            self.search = search
            self.seed = seed
            self.configuration = configuration
            self.weights = weights
            self.weightCopies = weightCopies
        }
    }

    /// The timed iterations' figures, agreed over ranks.
    public struct Report {
        public let settings: Settings
        public let ranks: Int
        /// Candidate heads of the search.
        public let variables: Int
        /// The slowest rank's seconds from its process start to its model being ready.
        public let startupSeconds: Double
        /// Masks evaluated per second of the slowest rank's wall time.
        public let samplesPerSecond: Double
        /// The largest share of a rank's wall time spent in collectives, 0...1.
        public let communicationShare: Double
        /// Wall time outside collectives, the fastest and the slowest rank's: their spread is what waiting costs.
        public let computeFastestSeconds: Double
        public let computeSlowestSeconds: Double
        /// Rank 0's peak RSS, MiB.
        public let peakResidentMiB: Double
        /// How many samples each rank evaluated in the last iteration, in rank order.
        public let lastShares: [Int]

        /// The two lines `vtv bench search` prints: the start-up, then the throughput.
        public var lines: [String] {
            let s = settings
            return [
                "bench search: model ready after \(String(format: "%.2f", startupSeconds)) s "
                    + "(slowest rank, since its process started), \(s.weightCopies)",
                "bench search \(s.name) \(s.procedure.rawValue) (\(s.search.reward.rawValue) reward, "
                    + "batch \(s.search.batchSize)): \(ranks) rank(s), \(variables) variables, "
                    + String(
                        format: "%.2f samples/s, %.1f%% of time in communication (max over ranks), "
                            + "compute %.2f-%.2f s per rank, %.0f MiB peak RSS on rank 0",
                        samplesPerSecond, communicationShare * 100, computeFastestSeconds, computeSlowestSeconds,
                        peakResidentMiB)
                    + ", samples per rank in the last iteration "
                    + lastShares.map { String($0) }.joined(separator: "/")
            ]
        }
    }

    /// Builds the MAE and VQGAN over `settings.weights`, records task means on the synthetic prompts,
    /// and runs one warm-up and `settings.search.iterations` timed REINFORCE iterations.
    /// Collective: every rank of `world` calls it.
    public static func run(_ settings: Settings, world: Communicator) throws -> Report {
        let configuration = settings.configuration, weights = settings.weights
        var search = settings.search
        search.iterations += 1 // the warm-up iteration
        let mae = try MAEModel(configuration: configuration, weights: weights)
        let space = PatchVariables(configuration: configuration, granularity: search.patchGranularity)
        // The encoder (prompts) and the decoder (pixel reward) run one at a time: one workspace serves both.
        let vqganWorkspace = VQGANWorkspace()
        let decoder =
            search.reward == .pixel
            ? try VQGANDecoder(configuration: configuration.vqgan, weights: weights, workspace: vqganWorkspace) : nil
        let evaluator = RewardEvaluator(model: mae, decoder: decoder, space: space, batchSize: search.batchSize)
        let encoder = try VQGANEncoder(
            configuration: configuration.vqgan, weights: weights, workspace: vqganWorkspace)
        let startup = try world.allreduce(ProcessResources.secondsSinceStart(), .max)
        let source = try PromptSourceSpec(parsing: "synthetic:\(settings.seed)")
            .open(
                role: "bench", count: search.trainPrompts, seed: settings.seed,
                layout: CanvasLayout(size: configuration.imageSize))
        let canvases = try (0..<search.trainPrompts).map { try source.canvas($0, task: .segmentation) }
        let recorders = canvases.map { _ in HeadRecorder(configuration: configuration, mode: .oneShot) }
        // The search proper reads its task means from an activations file; recording them here one
        // canvas at a time keeps the MAE's workspace at one sample's size, as in the search's batch-1
        // forwards (a sample's outputs do not depend on the rest of its batch).
        for (canvas, recorder) in zip(canvases, recorders) {
            _ = try mae.forward([MAESample(canvas: canvas.values, mode: .oneShot, recorder: recorder)])
        }
        let means = HeadOutputs.mean(of: recorders.map(\.outputs))
        let prompts = try SearchPromptBuilder(configuration: configuration, encoder: encoder, evaluator: evaluator)
            .prompts(
                canvases: canvases, names: canvases.indices.map { "synthetic#\($0)" }, task: .segmentation,
                taskIndex: 0, means: means)

        let reinforce = ReinforceSearch(
            settings: search, evaluator: evaluator, train: [prompts], heldOut: .none, world: world)
        var state = reinforce.initialState()
        _ = try reinforce.run(
            &state, checkpointEvery: Int.max, checkpoint: { _ in }, stopRequested: { false }, report: { _, _ in })
        let timed = state.history.dropFirst() // the first iteration warms up workspaces
        let seconds = timed.map(\.seconds).reduce(0, +)
        let communication = timed.map(\.communicationSeconds).reduce(0, +)
        let slowest = try world.allreduce(seconds, .max)
        let communicationShare = try world.allreduce(communication / max(seconds, 1e-12), .max)
        let computeFastest = try world.allreduce(seconds - communication, .min)
        let computeSlowest = try world.allreduce(seconds - communication, .max)
        let samples = Double(timed.count * search.samplesPerIteration)
        return Report(
            settings: settings, ranks: world.size, variables: space.count, startupSeconds: startup,
            samplesPerSecond: samples / slowest, communicationShare: communicationShare,
            computeFastestSeconds: computeFastest, computeSlowestSeconds: computeSlowest,
            peakResidentMiB: ProcessResources.peakResidentMiB(), lastShares: reinforce.lastShares.map(\.count))
    }
}
