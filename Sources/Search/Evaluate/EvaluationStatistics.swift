import Foundation

/// The summary of one metric over the evaluation prompts: the mean with a 95% confidence interval
/// from the normal approximation,
///
///     mean ± 1.96 * s / sqrt(n),   s = sample standard deviation (divisor n - 1)
///
/// With a single prompt there is no spread to estimate: `standardDeviation` and `halfWidth` are nil.
public struct MetricSummary: Codable, Equatable, Sendable {
    /// The normal quantile of a two-sided 95% interval.
    public static let z95 = 1.96

    public let count: Int
    public let mean: Double
    /// Sample standard deviation (n - 1 in the divisor); nil for fewer than two values.
    public let standardDeviation: Double?
    /// 1.96 * standardDeviation / sqrt(count); nil for fewer than two values.
    public let halfWidth: Double?

    /// Summarizes `values` (at least one), accumulating in float64 in the given order.
    public init(_ values: [Double]) {
        precondition(!values.isEmpty, "a metric summary needs at least one value")
        count = values.count
        let mean = values.reduce(0, +) / Double(values.count)
        self.mean = mean
        if values.count >= 2 {
            let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
            let s = (squares / Double(values.count - 1)).squareRoot()
            standardDeviation = s
            halfWidth = Self.z95 * s / Double(values.count).squareRoot()
        } else {
            standardDeviation = nil
            halfWidth = nil
        }
    }

    /// The interval's ends (the mean itself when there is no spread estimate).
    public var lower: Double { mean - (halfWidth ?? 0) }
    public var upper: Double { mean + (halfWidth ?? 0) }

    /// "0.4123 ± 0.0210" (or "0.4123 (n=1)"), with `digits` decimals.
    public func formatted(digits: Int = 4) -> String {
        let format = "%.\(digits)f"
        guard let halfWidth else { return String(format: format, mean) + " (n=1)" }
        return String(format: format, mean) + " ± " + String(format: format, halfWidth)
    }
}
