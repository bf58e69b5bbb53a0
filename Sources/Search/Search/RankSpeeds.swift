/// Each rank's measured evaluation speed (samples per second of compute, smoothed over
/// iterations), used as the weights that split the next iteration's chunks
/// (`WorkChunks.shares(weights:)`): a rank on a slower or busier core gets fewer chunks, so
/// fewer ranks wait at the all-gather. Every rank records the same all-gathered times in the
/// same order, so all ranks compute the same weights and the same split. The split never
/// changes a result (chunks are evaluated as fixed units), only who waits for whom.
struct RankSpeeds {
    /// Weight of the previous estimate in the exponential smoothing: timings on shared machines
    /// are noisy, and chasing one slow iteration would unbalance the next.
    static let memory = 0.75
    /// No rank's weight drops below this fraction of the fastest rank's, so a rank that once
    /// stalled keeps getting work, and with it new measurements.
    static let floor = 0.25

    /// Samples per second per rank; nil until the rank has been measured.
    private(set) var rates: [Double?]

    init(ranks: Int) {
        rates = Array(repeating: nil, count: ranks)
    }

    /// Split weights, one per rank: equal before any measurement; a rank not yet measured
    /// counts as the mean of the measured ones.
    var weights: [Double] {
        let known = rates.compactMap { $0 }
        guard !known.isEmpty else { return Array(repeating: 1, count: rates.count) }
        let mean = known.reduce(0, +) / Double(known.count)
        let raw = rates.map { $0 ?? mean }
        let lowest = Self.floor * (raw.max() ?? 1)
        return raw.map { max($0, lowest) }
    }

    /// Adds one iteration's measurements: rank r evaluated samples[r] samples in seconds[r]
    /// seconds. Ranks without work, or with no measurable time, keep their estimate.
    mutating func record(samples: [Int], seconds: [Double]) {
        precondition(samples.count == rates.count && seconds.count == rates.count)
        for r in rates.indices where samples[r] > 0 && seconds[r] > 0 && seconds[r].isFinite {
            let rate = Double(samples[r]) / seconds[r]
            rates[r] = rates[r].map { Self.memory * $0 + (1 - Self.memory) * rate } ?? rate
        }
    }
}
