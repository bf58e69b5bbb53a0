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
}

/// A held-out evaluation of a mask drawn from the policy.
public struct EvaluationRecord: Codable, Equatable {
    public var iteration: Int
    public var loss: Double
    public var patched: Int
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

    public init(variables: Int, settings: SearchSettings) {
        policy = BernoulliPolicy(variables: variables, initialLogit: settings.initialLogit)
        adam = Adam(parameters: variables, learningRate: settings.learningRate)
    }
}
