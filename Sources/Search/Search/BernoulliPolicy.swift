import Foundation
import Randomness

/// The search policy (docs/paper.md#reinforce): one independent Bernoulli(sigmoid(theta_v)) per
/// candidate variable v, probabilities clamped to [1e-6, 1 - 1e-6].
public struct BernoulliPolicy: Equatable {
    /// theta: [variables], the logits (float64 so every rank applies bit-identical updates).
    public var logits: [Double]

    public static let clamp = 1e-6

    /// A policy with every logit at `initialLogit` (the paper uses -1).
    public init(variables: Int, initialLogit: Double = -1) {
        logits = [Double](repeating: initialLogit, count: variables)
    }

    public init(logits: [Double]) {
        self.logits = logits
    }

    public var count: Int { logits.count }

    /// sigmoid(theta_v), clamped.
    public func probability(_ v: Int) -> Double {
        min(max(1 / (1 + exp(-logits[v])), Self.clamp), 1 - Self.clamp)
    }

    /// All probabilities: [variables].
    public var probabilities: [Double] { (0..<count).map(probability) }

    /// The mask of sample `sample` in iteration `iteration`: bit v is on when the uniform draw keyed
    /// by (seed, iteration, sample, v) falls below p_v. Any rank can draw any sample's mask, so
    /// masks are never sent; the same seed gives the same masks on any number of ranks.
    public func sampleMask(seed: UInt64, iteration: Int, sample: Int) -> [Bool] {
        let stream = RandomStream(key: seed).substream(UInt64(iteration)).substream(UInt64(sample))
        return (0..<count).map { v in
            stream.unitDouble(UInt64(v)) < probability(v)
        }
    }

    /// `sampleMask(seed:iteration:sample:)` with the probabilities computed once for many masks:
    /// the same bits, without an exp per variable per mask. `antithetic`: an odd sample 2k+1 reuses
    /// sample 2k's uniforms u as 1 - u - 2^-53 (bit v on when 1 - u - 2^-53 < p_v), so each pair's
    /// masks are negatively correlated and each mask alone still has the policy's distribution
    /// (u takes the values k 2^-53, k < 2^53, and so does 1 - u - 2^-53); even samples are as without it.
    public func sampleMask(
        seed: UInt64, iteration: Int, sample: Int, probabilities: [Double], antithetic: Bool = false
    ) -> [Bool] {
        precondition(probabilities.count == count)
        let mirrored = antithetic && sample % 2 == 1
        let key = mirrored ? sample - 1 : sample
        let stream = RandomStream(key: seed).substream(UInt64(iteration)).substream(UInt64(key))
        return probabilities.withUnsafeBufferPointer { p in
            (0..<count).map { v in
                let k = stream.bits(UInt64(v)) >> 11
                return Double(mirrored ? (1 << 53) - 1 - k : k) * 0x1.0p-53 < p[v]
            }
        }
    }
}
