/// Elementwise mean and variance of many equally shaped samples, accumulated in float64 with
/// Welford's update (count, mean, M2 = sum of squared deviations). Statistics over disjoint sets
/// combine exactly (Chan et al.), which is how ranks and separately collected files are merged.
public struct RunningStatistics: Equatable {
    public private(set) var count: Int = 0
    /// mean: [elements]
    public private(set) var mean: [Double]
    /// M2: [elements], the sum of squared deviations from the mean.
    public private(set) var m2: [Double]

    public init(elements: Int) {
        mean = [Double](repeating: 0, count: elements)
        m2 = [Double](repeating: 0, count: elements)
    }

    /// Statistics from stored values: `variance` is the population variance (M2 / count).
    public init(count: Int, mean: [Double], variance: [Double]) {
        precondition(mean.count == variance.count)
        self.count = count
        self.mean = mean
        m2 = variance.map { $0 * Double(count) }
    }

    /// Statistics from their parts: `count` samples with mean `mean` and sums of squared deviations `m2`.
    public init(count: Int, mean: [Double], m2: [Double]) {
        precondition(mean.count == m2.count)
        self.count = count
        self.mean = mean
        self.m2 = m2
    }

    public var elements: Int { mean.count }

    /// Population variance M2 / count (0 where count is 0).
    public var variance: [Double] {
        count == 0 ? m2.map { _ in 0 } : m2.map { $0 / Double(count) }
    }

    /// Adds one sample: x: [elements].
    public mutating func add(_ x: UnsafeBufferPointer<Float>) {
        precondition(x.count == elements, "sample has \(x.count) values, statistics have \(elements)")
        count += 1
        let n = Double(count)
        for i in 0..<elements {
            let value = Double(x[i])
            let delta = value - mean[i]
            mean[i] += delta / n
            m2[i] += delta * (value - mean[i])
        }
    }

    /// Adds one sample given as an array.
    public mutating func add(_ x: [Float]) {
        x.withUnsafeBufferPointer { add($0) }
    }

    /// The statistics of the union of two disjoint sets of samples.
    public func merged(with other: RunningStatistics) -> RunningStatistics {
        precondition(elements == other.elements)
        if other.count == 0 { return self }
        if count == 0 { return other }
        let na = Double(count), nb = Double(other.count), n = na + nb
        var result = RunningStatistics(elements: elements)
        result.count = count + other.count
        for i in 0..<elements {
            let delta = other.mean[i] - mean[i]
            result.mean[i] = (na * mean[i] + nb * other.mean[i]) / n
            result.m2[i] = m2[i] + other.m2[i] + delta * delta * na * nb / n
        }
        return result
    }
}
