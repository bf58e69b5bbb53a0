/// The REINFORCE estimator of the published search (docs/paper.md#reinforce). Every rank knows all losses of an
/// iteration (they are all-gathered) and can draw every mask, so every rank computes the same
/// advantages and the same gradient, summed in sample order whatever the split of the work.
public enum PolicyGradient {
    /// Standardized advantages (loss - mean) / (std + 1e-6) with the unbiased (N-1) standard
    /// deviation, as torch.Tensor.std computes it. With `groups` the losses are first standardized
    /// within each group (the task in multi-task mode; the training prompt with the prompt baseline),
    /// then the whole batch is standardized again.
    public static func advantages(losses: [Double], groups: [Int]? = nil) -> [Double] {
        var values = losses
        if let groups {
            precondition(groups.count == losses.count)
            for g in Set(groups) {
                let members = groups.indices.filter { groups[$0] == g }
                let standardized = standardize(members.map { values[$0] })
                for (k, i) in members.enumerated() { values[i] = standardized[k] }
            }
        }
        return standardize(values)
    }

    /// Leave-one-out advantages (`SearchSettings.Baseline.leaveOneOut`): d_i = L_i - mean of the
    /// other losses of sample i's group (every sample one group when `groups` is nil; 0 for a sample
    /// alone in its group), then d / (std(d) + 1e-6) with the unbiased std over the whole batch. Within
    /// a group of n, d_i = n / (n - 1) (L_i - group mean), so the d sum to 0 per group and over the batch.
    public static func leaveOneOutAdvantages(losses: [Double], groups: [Int]? = nil) -> [Double] {
        let groups = groups ?? [Int](repeating: 0, count: losses.count)
        precondition(groups.count == losses.count)
        var differences = [Double](repeating: 0, count: losses.count)
        for g in Set(groups) {
            let members = groups.indices.filter { groups[$0] == g }
            guard members.count > 1 else { continue }
            let total = members.reduce(0.0) { $0 + losses[$1] }
            let others = Double(members.count - 1)
            for i in members { differences[i] = losses[i] - (total - losses[i]) / others }
        }
        guard differences.count > 1 else { return differences.map { $0 / 1e-6 } }
        let variance = differences.reduce(0) { $0 + $1 * $1 } / Double(differences.count - 1)
        let scale = variance.squareRoot() + 1e-6
        return differences.map { $0 / scale }
    }

    static func standardize(_ x: [Double]) -> [Double] {
        guard !x.isEmpty else { return [] }
        let mean = x.reduce(0, +) / Double(x.count)
        let variance = x.count > 1 ? x.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(x.count - 1) : 0
        let scale = variance.squareRoot() + 1e-6
        return x.map { ($0 - mean) / scale }
    }

    /// Adds to `gradient` ([variables]) the surrogate's gradient terms of the given samples:
    /// d/dtheta_v of (1/N) * advantage_i * mean_v log p(mask_i) = advantage_i * (m_iv - p_v) / (N * V),
    /// where N is the number of samples in the whole iteration (all ranks).
    public static func accumulate(
        into gradient: inout [Double], policy: BernoulliPolicy,
        masks: [[Bool]], advantages: [Double], totalSamples: Int
    ) {
        let scale = 1 / (Double(totalSamples) * Double(policy.count))
        let p = policy.probabilities
        for (mask, advantage) in zip(masks, advantages) {
            let a = advantage * scale
            for v in 0..<policy.count {
                gradient[v] += a * ((mask[v] ? 1 : 0) - p[v])
            }
        }
    }

    /// Adds the gradient of the sparsity penalty lambda * mean_v sigmoid(theta_v).
    public static func addSparsityPenalty(into gradient: inout [Double], policy: BernoulliPolicy, lambda: Double) {
        guard lambda != 0 else { return }
        let scale = lambda / Double(policy.count)
        for v in 0..<policy.count {
            let s = policy.probability(v)
            gradient[v] += scale * s * (1 - s)
        }
    }
}
