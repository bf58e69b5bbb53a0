import Model

/// How every prompt's head outputs cluster by task, per head (docs/formats.md, "Task geometry"):
/// for tasks a, b and head unit u, the mean cosine similarity between the vector (`HeadUnit.vector`)
/// of a prompt of task a and that of a *different* prompt of task b, over all such pairs. The
/// diagonal (a = b) is the within-task cosine, the rest between-task: where prompts of one task point
/// alike and prompts of different tasks do not, the head's outputs cluster by task.
///
/// Computed in one pass over the per-prompt outputs (`PerPromptReader`), one prompt in memory at a
/// time: with unit vectors x_i and S_k = sum of task k's, the mean over pairs is
/// S_a . S_b / (n_a n_b) between tasks and (|S_a|^2 - n_a) / (n_a (n_a - 1)) within one (a zero
/// vector counts as a unit vector with cosine 0 to everything, and drops out of the -n_a).
public struct PromptClustering: Sendable {
    public let tasks: [String]
    public let units: [HeadUnit]
    /// Prompts per task.
    public let counts: [Int]
    /// [tasks, tasks, units] row-major, symmetric; NaN on the diagonal of a task with one prompt.
    public let pairCosines: [Double]

    /// `readers` gives each task's prompts (one reader per task, in `tasks` order); `progress(done)`
    /// after each prompt.
    public init(readers: [PerPromptReader], progress: (Int) -> Void = { _ in }) throws {
        precondition(!readers.isEmpty, "clustering needs tasks")
        let c = readers[0].configuration
        let units = HeadUnit.all(c)
        let k = readers.count, n = units.count
        // Per task and unit: the sum of the prompts' unit vectors, and how many were non-zero.
        var sums: [[[Double]]] = []
        var nonZero = [[Int]](repeating: [Int](repeating: 0, count: n), count: k)
        var done = 0
        for (t, reader) in readers.enumerated() {
            let shapes = TaskStatistics.shapes(c)
            var taskSums = units.map { unit in
                let shape = unit.stack == .encoder ? shapes.encoder : shapes.decoder
                return [Double](repeating: 0, count: shape[1] * shape[3])
            }
            for i in 0..<reader.count {
                let outputs = try reader.read(i)
                for (u, unit) in units.enumerated() {
                    let v = unit.vector(
                        in: unit.stack == .encoder ? outputs.encoder : outputs.decoder, configuration: c)
                    let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
                    guard norm > 0 else { continue }
                    nonZero[t][u] += 1
                    for j in v.indices { taskSums[u][j] += v[j] / norm }
                }
                done += 1
                progress(done)
            }
            sums.append(taskSums)
        }
        let counts = readers.map(\.count)
        var pairCosines = [Double](repeating: .nan, count: k * k * n)
        for u in 0..<n {
            for a in 0..<k {
                for b in a..<k {
                    let dot = zip(sums[a][u], sums[b][u]).reduce(0) { $0 + $1.0 * $1.1 }
                    let value: Double
                    if a == b {
                        value =
                            counts[a] >= 2 ? (dot - Double(nonZero[a][u])) / Double(counts[a] * (counts[a] - 1)) : .nan
                    } else {
                        value = dot / Double(counts[a] * counts[b])
                    }
                    pairCosines[(a * k + b) * n + u] = value
                    pairCosines[(b * k + a) * n + u] = value
                }
            }
        }
        tasks = readers.map(\.task)
        self.units = units
        self.counts = counts
        self.pairCosines = pairCosines
    }

    /// The mean cosine between prompts of tasks a and b at unit u (within the task when a = b).
    public func cosine(_ a: Int, _ b: Int, unit u: Int) -> Double {
        pairCosines[(a * tasks.count + b) * units.count + u]
    }

    /// Per unit, the within-task cosine averaged over the tasks with at least two prompts: [units].
    public var within: [Double] {
        let tasksWithPairs = tasks.indices.filter { counts[$0] >= 2 }
        return units.indices.map { u in
            tasksWithPairs.isEmpty
                ? .nan : tasksWithPairs.map { cosine($0, $0, unit: u) }.reduce(0, +) / Double(tasksWithPairs.count)
        }
    }

    /// Per unit, the between-task cosine averaged over the pairs of different tasks: [units].
    public var between: [Double] {
        let k = tasks.count
        let pairs = (0..<k).flatMap { a in (a + 1..<k).map { (a, $0) } }
        return units.indices.map { u in
            pairs.isEmpty ? .nan : pairs.map { cosine($0.0, $0.1, unit: u) }.reduce(0, +) / Double(pairs.count)
        }
    }

    /// The unit whose prompts cluster by task the most: the largest within - between (the first on ties).
    public var mostClustered: Int {
        let gap = zip(within, between).map { $0 - $1 }
        return gap.indices.max { gap[$0] < gap[$1] || (gap[$0] == gap[$1] && $0 > $1) } ?? 0
    }
}
