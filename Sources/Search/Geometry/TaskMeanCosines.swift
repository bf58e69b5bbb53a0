import Model

/// The cosine similarity between tasks' mean vectors, per head (docs/formats.md, "Task geometry"):
/// for tasks a, b and head unit u, cos(m_a[u], m_b[u]) where m_k[u] is task k's mean head output
/// over every one-shot token of the head (`HeadUnit.vector`), from an activations file's means.
/// A zero vector has cosine 0 with every vector.
public struct TaskMeanCosines: Sendable {
    public let tasks: [String]
    public let units: [HeadUnit]
    /// cosines: [tasks, tasks, units] row-major; symmetric in the two task indices, 1 on the
    /// diagonal (for non-zero means).
    public let cosines: [Double]

    public init(activations: ActivationsFile, tasks: [String]) throws {
        let c = activations.configuration
        let statistics = try tasks.map { try activations.statistics($0) }
        let units = HeadUnit.all(c)
        let k = tasks.count, n = units.count
        var cosines = [Double](repeating: 0, count: k * k * n)
        for (u, unit) in units.enumerated() {
            let vectors = statistics.map {
                unit.vector(in: unit.stack == .encoder ? $0.encoder.mean : $0.decoder.mean, configuration: c)
            }
            for a in 0..<k {
                for b in a..<k {
                    let value = Self.cosine(vectors[a], vectors[b])
                    cosines[(a * k + b) * n + u] = value
                    cosines[(b * k + a) * n + u] = value
                }
            }
        }
        self.tasks = tasks
        self.units = units
        self.cosines = cosines
    }

    /// cos(task a, task b) at unit u.
    public func cosine(_ a: Int, _ b: Int, unit u: Int) -> Double { cosines[(a * tasks.count + b) * units.count + u] }

    /// The mean over units of `stack` (all when nil) of cos(a, b).
    public func meanCosine(_ a: Int, _ b: Int, stack: Stack? = nil) -> Double {
        let chosen = units.indices.filter { stack == nil || units[$0].stack == stack }
        return chosen.map { cosine(a, b, unit: $0) }.reduce(0, +) / Double(max(1, chosen.count))
    }

    /// Per unit, the mean of cos(a, b) over the pairs of different tasks: [units].
    public var meanBetweenTasks: [Double] {
        let k = tasks.count
        let pairs = (0..<k).flatMap { a in (a + 1..<k).map { (a, $0) } }
        return units.indices.map { u in
            pairs.map { cosine($0.0, $0.1, unit: u) }.reduce(0, +) / Double(max(1, pairs.count))
        }
    }

    /// x . y / (|x| |y|), 0 when either is zero.
    static func cosine(_ x: [Double], _ y: [Double]) -> Double {
        var dot = 0.0, xx = 0.0, yy = 0.0
        for i in x.indices {
            dot += x[i] * y[i]
            xx += x[i] * x[i]
            yy += y[i] * y[i]
        }
        return xx > 0 && yy > 0 ? dot / (xx.squareRoot() * yy.squareRoot()) : 0
    }
}
