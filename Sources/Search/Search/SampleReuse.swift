import Foundation

/// One past iteration's samples, kept for `--reuse` (`SampleReuse`): enough to draw its masks again
/// (they are keyed by (seed, iteration, sample) and the policy that drew them) and to score them.
public struct RecentBatch: Equatable {
    /// The iteration that drew the samples.
    public var iteration: Int
    /// theta_old: [variables], the policy's logits when the masks were drawn (before that iteration's update).
    public var logits: [Double]
    /// [samples of that iteration], the losses in sample order.
    public var losses: [Double]

    public init(iteration: Int, logits: [Double], losses: [Double]) {
        self.iteration = iteration
        self.logits = logits
        self.losses = losses
    }
}

/// Reuse of recent samples by importance weighting (`SearchSettings.reuse`; not in the paper): the masks
/// and losses of the last K iterations enter the current gradient, each with the weight
/// p_theta(m) / p_theta_old(m) of the current policy over the one that drew it, self-normalized within
/// its iteration and truncated (Ionides 2008, "Truncated importance sampling"):
///   w_j = min(N_b exp(r_j) / sum_{l in b} exp(r_l), sqrt(N_b)),   r_j = log p_theta(m_j) - log p_theta_old(m_j),
/// for sample j of a past iteration b with N_b samples; its advantage a_j is the one its own iteration's
/// losses give under the search's baseline (a baseline constant within a batch does not bias the
/// gradient), so it enters the REINFORCE sum as w_j a_j, and the sum is divided by every sample used.
/// With an unchanged policy every w_j is 1; self-normalization makes each past batch weigh like one
/// current batch; the truncation keeps one lucky mask from carrying a whole batch.
public enum SampleReuse {
    /// log of the clamped Bernoulli probabilities of a policy (`BernoulliPolicy.clamp`), computed without
    /// forming 1 - p: on: [variables], log p_v; off: [variables], log(1 - p_v).
    public struct LogProbabilities: Equatable {
        public let on: [Double]
        public let off: [Double]

        public init(logits: [Double]) {
            on = logits.map { Self.clampedLogSigmoid($0) }
            off = logits.map { Self.clampedLogSigmoid(-$0) }
        }

        /// log sigmoid(x), clamped to [log c, log(1 - c)] as the probabilities are to [c, 1 - c]:
        /// -log1p(exp(-x)) for x >= 0, x - log1p(exp(x)) below (no overflow, no cancellation).
        static func clampedLogSigmoid(_ x: Double) -> Double {
            let value = x >= 0 ? -log1p(exp(-x)) : x - log1p(exp(x))
            return min(max(value, log(BernoulliPolicy.clamp)), log1p(-BernoulliPolicy.clamp))
        }
    }

    /// r = log p_new(mask) - log p_old(mask) for a factorized Bernoulli policy: the per-variable
    /// differences summed in variable order (the same on every rank). mask: [variables].
    public static func logRatio(_ mask: [Bool], new: LogProbabilities, old: LogProbabilities) -> Double {
        precondition(mask.count == new.on.count && mask.count == old.on.count)
        var r = 0.0
        for v in mask.indices {
            r += mask[v] ? new.on[v] - old.on[v] : new.off[v] - old.off[v]
        }
        return r
    }

    /// The self-normalized, truncated weights of one past batch from its log-ratios ([samples]):
    /// N exp(r_j - max r) / sum_l exp(r_l - max r), then at most sqrt(N). All 1 when every r is equal.
    public static func weights(logRatios r: [Double]) -> [Double] {
        guard let top = r.max() else { return [] }
        precondition(r.allSatisfy(\.isFinite), "log-ratios must be finite")
        let n = Double(r.count)
        let scaled = r.map { exp($0 - top) }
        let total = scaled.reduce(0, +)
        let cap = n.squareRoot()
        return scaled.map { min(n * $0 / total, cap) }
    }

    /// The reused samples of `batches` for a policy with logits `logits` ([variables]): every mask drawn
    /// again (seed, the batch's iteration, sample; from the batch's logits) and its advantage w_j a_j,
    /// where a = `advantages(batch losses)`; masks and advantages: [reused samples], batch by batch in
    /// sample order; effectiveSamples: `effectiveSamples` of each batch's weights, summed.
    public static func weightedSamples(
        _ batches: [RecentBatch], logits: [Double], seed: UInt64, antithetic: Bool,
        advantages: ([Double]) -> [Double]
    ) -> (advantages: [Double], masks: [[Bool]], effectiveSamples: Double) {
        let current = LogProbabilities(logits: logits)
        var weighted: [Double] = []
        var masks: [[Bool]] = []
        var effective = 0.0
        for batch in batches {
            let old = BernoulliPolicy(logits: batch.logits)
            let oldProbabilities = old.probabilities
            let oldLogs = LogProbabilities(logits: batch.logits)
            let drawn = batch.losses.indices.map {
                old.sampleMask(
                    seed: seed, iteration: batch.iteration, sample: $0, probabilities: oldProbabilities,
                    antithetic: antithetic)
            }
            let w = weights(logRatios: drawn.map { logRatio($0, new: current, old: oldLogs) })
            effective += effectiveSamples(w)
            weighted += zip(w, advantages(batch.losses)).map { $0 * $1 }
            masks += drawn
        }
        return (weighted, masks, effective)
    }

    /// Kish's effective sample size of `weights`, (sum w)^2 / sum w^2 (0 when empty): how many
    /// independent samples a weighted batch is worth.
    public static func effectiveSamples(_ weights: [Double]) -> Double {
        let squares = weights.reduce(0) { $0 + $1 * $1 }
        guard squares > 0 else { return 0 }
        let total = weights.reduce(0, +)
        return total * total / squares
    }
}
