import Distributed

/// The results of an evaluation on the ranks that computed them, and their reassembly on rank 0.
///
/// Rank r evaluates the contiguous prompt block `shard(count, rank: r, of: ranks)` and flattens
/// its results into three arrays for the gathers; rank 0 receives them concatenated in rank order
/// (rank-major) and `reassemble` puts every value back in prompt order. Both directions are pure
/// functions of the sizes, so the layout is tested on any number of ranks without MPI.
public enum EvaluationGathers {
    /// The results of some prompts of an evaluation.
    public struct Results: Equatable {
        /// Metrics, [task][mode][prompt].
        public var metrics: [[[Double]]]
        /// Seconds of each task and mode: [task][mode][rank] after `reassemble`; one rank's:
        /// [task][mode][1].
        public var seconds: [[[Double]]]
        /// The answer-quadrant crops of the prompts shown in the grid (the first `gridCount` of the
        /// evaluation), [task][shown prompt][mode] -> `cropBytes` bytes.
        public var crops: [[[[UInt8]]]]

        public init(metrics: [[[Double]]], seconds: [[[Double]]], crops: [[[[UInt8]]]]) {
            self.metrics = metrics
            self.seconds = seconds
            self.crops = crops
        }
    }

    /// One rank's results as the gathers send them: metrics [task][mode][prompt], seconds
    /// [task][mode] (the one value per task and mode of `results.seconds`), crops
    /// [task][shown prompt][mode][byte].
    public static func flatten(_ results: Results) -> (metrics: [Double], seconds: [Double], crops: [UInt8]) {
        (
            results.metrics.flatMap { $0.flatMap { $0 } }, results.seconds.flatMap { $0.flatMap { $0 } },
            results.crops.flatMap { $0.flatMap { $0.flatMap { $0 } } }
        )
    }

    /// The gathered arrays of `ranks` ranks (each rank's `flatten`, concatenated in rank order) in
    /// prompt order: metrics [task][mode][prompt] over all `count` prompts, seconds
    /// [task][mode][rank], crops [task][prompt < gridCount][mode].
    public static func reassemble(
        metrics: [Double], seconds: [Double], crops: [UInt8], count: Int, ranks: Int, tasks: Int, modes: Int,
        gridCount: Int, cropBytes: Int
    ) -> Results {
        var result = Results(
            metrics: [[[Double]]](repeating: [[Double]](repeating: [], count: modes), count: tasks),
            seconds: [[[Double]]](repeating: [[Double]](repeating: [], count: modes), count: tasks),
            crops: [[[[UInt8]]]](repeating: [], count: tasks))
        var metricAt = 0, cropAt = 0
        for r in 0..<ranks {
            let block = shard(count, rank: r, of: ranks)
            let shownHere = block.filter { $0 < gridCount }.count
            for t in 0..<tasks {
                for m in 0..<modes {
                    result.metrics[t][m] += metrics[metricAt..<metricAt + block.count]
                    metricAt += block.count
                    result.seconds[t][m].append(seconds[(r * tasks + t) * modes + m])
                }
                for _ in 0..<shownHere {
                    result.crops[t].append(
                        (0..<modes).map { m in
                            let start = cropAt + m * cropBytes
                            return Array(crops[start..<start + cropBytes])
                        })
                    cropAt += modes * cropBytes
                }
            }
        }
        return result
    }
}
