import Model
import Randomness

/// How a search's best policy becomes its final patch set, the variables written to the
/// task-vectors file (docs/paper.md, "The final patch set").
///
/// The published evaluation draws one Bernoulli sample from the best policy with a fixed seed and
/// applies that single mask to every prompt (`sample`). vtv's default keeps the variables with
/// p > 0.5 (`threshold`): the policy's most likely mask, which needs no seed, and which a variable
/// the policy is unsure of (p near 0.5) cannot enter by the luck of one draw. On a converged policy
/// (every p near 0 or 1) the two agree.
public struct FinalSelection: Equatable, Codable, CustomStringConvertible {
    public enum Rule: String, Codable, CaseIterable {
        /// Variables with probability > 0.5.
        case threshold
        /// One Bernoulli sample of the policy (as published).
        case sample
    }

    public var rule: Rule
    /// The key of the sample's stream (`sample` only; vtv passes the search's mask seed).
    public var seed: UInt64?

    public static let threshold = FinalSelection(rule: .threshold, seed: nil)

    public static func sample(seed: UInt64) -> FinalSelection { FinalSelection(rule: .sample, seed: seed) }

    /// The stream of the sample: its own name under the seed, so it shares no draw with the
    /// search's masks (`BernoulliPolicy.sampleMask`) under the same seed.
    public static func sampleStream(seed: UInt64) -> RandomStream { RandomStream(seed: seed, name: "final patch set") }

    /// The chosen mask. probabilities: [variables] in the full numbering (0 outside the searched
    /// stacks, which therefore never enter). Under `sample`, variable v is on when draw v of
    /// `sampleStream(seed:)`, as a uniform value in [0, 1) with 53 bits, falls below p_v.
    public func mask(probabilities: [Double]) -> [Bool] {
        switch rule {
        case .threshold:
            return probabilities.map { $0 > 0.5 }
        case .sample:
            let stream = Self.sampleStream(seed: seed ?? 0)
            return probabilities.indices.map { v in Double(stream.bits(UInt64(v)) >> 11) * 0x1.0p-53 < probabilities[v]
            }
        }
    }

    /// The chosen variables, ascending (see `mask(probabilities:)`).
    public func variables(probabilities: [Double]) -> [Int] {
        let chosen = mask(probabilities: probabilities)
        return chosen.indices.filter { chosen[$0] }
    }

    /// "threshold (p > 0.5)" or "one Bernoulli sample (seed S)", for logs and reports.
    public var description: String {
        switch rule {
        case .threshold: return "threshold (p > 0.5)"
        case .sample: return "one Bernoulli sample (seed \(seed ?? 0))"
        }
    }
}
