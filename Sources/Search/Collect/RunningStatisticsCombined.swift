import Distributed
import Model

extension RunningStatistics {
    /// The statistics over every rank's samples, on every rank. Two all-reduces: the global mean
    /// from sums, then each rank's M2 re-centred on that mean (M2_r + n_r (mean_r - mean)^2).
    /// The result depends on the number of ranks only through float64 rounding.
    public func combined(over world: Communicator) throws -> RunningStatistics {
        guard world.size > 1 else { return self }
        let total = try world.allreduce(count, .sum)
        guard total > 0 else { return RunningStatistics(elements: elements) }
        var sums = mean.map { $0 * Double(count) }
        try world.allreduce(&sums, .sum)
        let combinedMean = sums.map { $0 / Double(total) }
        var centred = [Double](repeating: 0, count: elements)
        for i in 0..<elements {
            let d = mean[i] - combinedMean[i]
            centred[i] = count == 0 ? 0 : m2[i] + Double(count) * d * d
        }
        try world.allreduce(&centred, .sum)
        return RunningStatistics(count: total, mean: combinedMean, m2: centred)
    }
}
