import Foundation

/// One iteration's record in the search log.
public struct IterationRecord: Codable, Equatable {
    public var iteration: Int
    public var lossMean: Double
    public var lossStd: Double
    /// Mean number of variables on in this iteration's masks.
    public var patchedMean: Double
    /// Sum of the policy's probabilities after the update (the expected mask size).
    public var expectedPatched: Double
    public var seconds: Double
    public var samplesPerSecond: Double
    /// Seconds spent in MPI collectives.
    public var communicationSeconds: Double
    /// CPU seconds (user + system) of every rank since the search began, up to the end of this
    /// iteration and its evaluation (nil in records written before it was kept).
    public var cpuSeconds: Double?
    /// With `--adaptive-samples`: the masks this iteration drew (nil otherwise: the settings'
    /// `samplesPerIteration`).
    public var samples: Int?
    /// With `--reuse`: Kish's effective sample size of the reused samples' importance weights, summed
    /// over the reused iterations (0 when none was reused; nil without `--reuse`).
    public var reusedEffectiveSamples: Double?
}

/// A held-out evaluation of a mask drawn from the policy.
public struct EvaluationRecord: Codable, Equatable {
    public var iteration: Int
    public var loss: Double
    public var patched: Int
    /// CPU seconds of every rank since the search began, up to the end of this evaluation (nil in
    /// records written before it was kept).
    public var cpuSeconds: Double?

    public init(iteration: Int, loss: Double, patched: Int, cpuSeconds: Double? = nil) {
        self.iteration = iteration
        self.loss = loss
        self.patched = patched
        self.cpuSeconds = cpuSeconds
    }
}

/// The complete state of a search after `iteration` completed iterations: enough to continue
/// it exactly (the random masks are keyed by (seed, iteration, sample), so no generator state
/// is needed beyond the seed in the settings).
public struct SearchState: Equatable {
    public var iteration = 0
    public var policy: BernoulliPolicy
    public var adam: Adam
    /// The best evaluated policy so far.
    public var bestLogits: [Double]?
    public var bestMask: [Bool]?
    public var bestLoss = Double.infinity
    public var bestIteration = -1
    public var history: [IterationRecord] = []
    public var evaluations: [EvaluationRecord] = []
    /// CPU seconds (user + system) summed over every rank, over all iterations and evaluations so far.
    public var cpuSeconds = 0.0
    /// With `--reuse K`: the last K iterations' samples, oldest first (empty otherwise).
    public var recent: [RecentBatch] = []

    /// Held-out evaluations since the best one (all of them when none has a finite loss).
    public var evaluationsSinceBest: Int { evaluations.filter { $0.iteration > bestIteration }.count }

    public init(variables: Int, settings: SearchSettings) {
        policy = BernoulliPolicy(variables: variables, initialLogit: settings.initialLogit)
        adam = Adam(parameters: variables, learningRate: settings.learningRate)
    }
}
