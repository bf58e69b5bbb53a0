import Foundation

/// How much of the one-shot advantage task vectors recover on one task of a `vtv eval` report:
///
///     share = (zeroShotTV − zeroShot) / (oneShot − zeroShot)
///
/// over the means of the per-prompt metric. 1 (100%) means the patched zero-shot model does as well
/// as showing the example, 0 as well as not showing it; below 0 it does worse than zero-shot, above 1
/// better than one-shot. Numerator and denominator change sign together when lower is better (MSE),
/// so one formula serves both metrics. docs/model-card.md reports its searches this way.
public struct RecoveredShare: Equatable, Sendable {
    public let oneShot: Double
    public let zeroShot: Double
    public let taskVectors: Double

    public init(oneShot: Double, zeroShot: Double, taskVectors: Double) {
        self.oneShot = oneShot
        self.zeroShot = zeroShot
        self.taskVectors = taskVectors
    }

    /// The means of `task`'s three modes; nil unless the report holds all three.
    public init?(_ task: EvaluationReport.TaskResult) {
        guard let one = task.result(.oneShot), let zero = task.result(.zeroShot), let tv = task.result(.taskVectors)
        else {
            return nil
        }
        self.init(oneShot: one.summary.mean, zeroShot: zero.summary.mean, taskVectors: tv.summary.mean)
    }

    /// The share as a fraction; nil when one-shot and zero-shot tie, leaving no advantage to recover.
    public var share: Double? {
        let advantage = oneShot - zeroShot
        return advantage == 0 ? nil : (taskVectors - zeroShot) / advantage
    }

    /// The share in whole percent ("62%"), or "n/a" without an advantage.
    public var formatted: String {
        share.map { String(format: "%.0f%%", $0 * 100) } ?? "n/a"
    }
}
