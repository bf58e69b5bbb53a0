import Search

/// One scored variant of an analysis: the variables patched, the metric over the prompts (mean with
/// its 95% interval) and the share of the one-shot advantage it recovers,
/// (variant − zero-shot) / (one-shot − zero-shot) (`RecoveredShare`; nil when the two tie).
public struct VariantResult: Codable, Equatable, Sendable {
    /// Patched variables, ascending (docs/paper.md#search-space numbering); empty for the plain prompts.
    public var variables: [Int]
    public var summary: MetricSummary
    public var recovered: Double?

    init(variables: [Int], scores: [Double], oneShot: Double, zeroShot: Double) {
        self.variables = variables
        summary = MetricSummary(scores)
        recovered = RecoveredShare(oneShot: oneShot, zeroShot: zeroShot, taskVectors: summary.mean).share
    }

    /// "0.4123 ± 0.0210 (62%)".
    var cell: String {
        // Rounded first and + 0: a share just below zero would print as "-0%".
        summary.formatted() + " (" + (recovered.map { String(format: "%.0f%%", ($0 * 100).rounded() + 0) } ?? "n/a")
            + ")"
    }
}
