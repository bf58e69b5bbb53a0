import Distributed
import Foundation
import Model
import Prompts
import Randomness
import Search

/// The per-iteration work of the search besides its forward passes (masks, advantages, gradient,
/// MPI), on synthetic losses: `vtv bench search-overhead`'s work.
public enum SearchOverheadBenchmark {
    /// How the gradient is summed over ranks.
    public enum Method: String, CaseIterable, Sendable {
        /// Every rank draws all masks and sums the whole gradient from all-gathered losses (the method
        /// before the reduced one).
        case gathered
        /// The search's: each rank draws its own samples' masks and adds their gradient terms in exact
        /// fixed point, summed by one integer all-reduce.
        case reduced
    }

    /// What to time.
    public struct Settings {
        /// The configuration the report names; only its variable count matters.
        public var configurationName: String
        public var configuration: ModelConfiguration
        public var granularity: PatchVariables.Granularity
        /// Masks per iteration, at least 2.
        public var samples: Int
        public var iterations: Int
        /// Timed in this order.
        public var methods: [Method]

        public init(
            configurationName: String, configuration: ModelConfiguration, granularity: PatchVariables.Granularity,
            samples: Int, iterations: Int, methods: [Method]
        ) {
            self.configurationName = configurationName
            self.configuration = configuration
            self.granularity = granularity
            self.samples = samples
            self.iterations = iterations
            self.methods = methods
        }

        /// Candidate heads of the policy.
        public var variables: Int { PatchVariables(configuration: configuration, granularity: granularity).count }
    }

    /// One method's timing, agreed over ranks.
    public struct MethodTiming {
        public let method: Method
        /// The slowest rank's median seconds per iteration.
        public let secondsPerIteration: Double
        /// Of a sample a rank evaluates (the largest rank share).
        public let secondsPerSample: Double
        /// The slowest rank's median seconds in the collectives.
        public let collectiveSeconds: Double
    }

    public struct Report {
        public let settings: Settings
        public let ranks: Int
        public let methods: [MethodTiming]

        /// The lines `vtv bench search-overhead` prints: a header, then one line per method.
        public var lines: [String] {
            [
                "bench search-overhead: \(settings.configurationName), granularity \(settings.granularity.rawValue): "
                    + "\(settings.variables) variables, \(settings.samples) samples per iteration on \(ranks) rank(s), "
                    + "\(settings.iterations) iteration(s)"
            ]
                + methods.map {
                    String(
                        format: "  %@: %.4f s per iteration (slowest rank), %.3f ms per sample a rank evaluates, "
                            + "%.2f ms of it in collectives", $0.method.rawValue, $0.secondsPerIteration,
                        $0.secondsPerSample * 1000, $0.collectiveSeconds * 1000)
                }
        }
    }

    /// Runs `settings.iterations` REINFORCE updates of a policy over the variables per method, with
    /// losses a fixed function of the sample. The ranks meet at a barrier before each collective,
    /// not counted, so the figures are the work and the transfers themselves, not waiting for a rank
    /// the operating system had descheduled. Collective: every rank of `world` calls it.
    public static func run(_ settings: Settings, world: Communicator) throws -> Report {
        let n = settings.samples, variables = settings.variables
        let mine = shard(n, rank: world.rank, of: world.size)
        var timings: [MethodTiming] = []
        for method in settings.methods {
            var policy = BernoulliPolicy(variables: variables, initialLogit: -1)
            var adam = Adam(parameters: variables, learningRate: 0.1)
            var seconds: [Double] = []
            var collectiveSeconds: [Double] = []
            for iteration in 0..<settings.iterations {
                // Losses as a forward pass would give them: a fixed function of the sample.
                let localLosses = mine.map { s in
                    Double(SplitMix64(seed: 17).substream(UInt64(iteration)).value(at: UInt64(s)) >> 11) * 0x1.0p-53
                }
                var inCollectives = 0.0, inBarriers = 0.0
                /// Runs one collective after a barrier, adding its own time to `inCollectives`.
                func timed<R>(_ collective: () throws -> R) throws -> R {
                    let arrived = Date()
                    try world.barrier()
                    let released = Date()
                    inBarriers += released.timeIntervalSince(arrived)
                    defer { inCollectives += Date().timeIntervalSince(released) }
                    return try collective()
                }
                let started = Date()
                let losses = try timed { try world.allgather(localLosses) }
                let advantages = PolicyGradient.advantages(losses: losses)
                var gradient: [Double]
                switch method {
                case .gathered:
                    let masks = (0..<n).map { policy.sampleMask(seed: 1, iteration: iteration, sample: $0) }
                    gradient = [Double](repeating: 0, count: variables)
                    PolicyGradient.accumulate(
                        into: &gradient, policy: policy, masks: masks, advantages: advantages, totalSamples: n)
                case .reduced:
                    let p = policy.probabilities
                    var terms = FixedPointGradient(variables: variables, advantages: advantages)
                    for s in mine {
                        terms.add(
                            sample: s,
                            mask: policy.sampleMask(seed: 1, iteration: iteration, sample: s, probabilities: p))
                    }
                    var sums = terms.sums
                    try timed { try world.allreduce(&sums, .sum) }
                    gradient = terms.gradient(totalSums: sums, probabilities: p, totalSamples: n)
                }
                adam.update(&policy.logits, gradient: gradient)
                seconds.append(Date().timeIntervalSince(started) - inBarriers)
                collectiveSeconds.append(inCollectives)
            }
            let slowest = try world.allreduce(seconds.sorted()[seconds.count / 2], .max)
            let slowestCollectives = try world.allreduce(
                collectiveSeconds.sorted()[collectiveSeconds.count / 2], .max)
            timings.append(
                MethodTiming(
                    method: method, secondsPerIteration: slowest,
                    secondsPerSample: slowest / Double(max(1, shard(n, rank: 0, of: world.size).count)),
                    collectiveSeconds: slowestCollectives))
        }
        return Report(settings: settings, ranks: world.size, methods: timings)
    }
}
