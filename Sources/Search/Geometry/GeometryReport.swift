import Foundation
import Model

/// What `vtv score --geometry DIR` writes as geometry.json and geometry.md (docs/formats.md, "Task
/// geometry"): the cosines between task means per head, and, when the activations file holds
/// per-prompt outputs, how prompts cluster by task per head and a 2-D projection of one head.
/// Missing values (a task with one prompt has no within-task pair) are JSON null.
public struct GeometryReport: Codable, Sendable {
    public struct Clustering: Codable, Sendable {
        /// Prompts per task.
        public var counts: [Int]
        /// [tasks][tasks][units]: mean cosine between prompts of two tasks (within one on the diagonal).
        public var pairCosines: [[[Double?]]]
        /// [units]: within-task and between-task means (`PromptClustering.within`, `.between`).
        public var within: [Double?]
        public var between: [Double?]
        /// Over all heads: the means of `within` and `between`, and the heads where within > between.
        public var meanWithin: Double?
        public var meanBetween: Double?
        public var headsWithinAboveBetween: Int
        public var mostClustered: String
    }

    public struct Projection: Codable, Sendable {
        public struct Point: Codable, Sendable {
            public var task: String
            /// Position in the task's prompt list.
            public var prompt: Int
            /// The prompt's identity (`PromptSource.identity`), as the activations file lists it.
            public var identity: String
            public var x: Double
            public var y: Double
        }
        /// The head projected, e.g. "decoder L1 H3".
        public var unit: String
        public var explained: [Double]
        public var points: [Point]
    }

    public var modelHash: String
    public var tasks: [String]
    /// Every head, in the order of every per-unit array ("encoder L0 H0", ...).
    public var units: [String]
    /// [tasks][tasks][units]: cosine between task means (`TaskMeanCosines`).
    public var meanCosines: [[[Double?]]]
    /// [tasks][tasks]: that cosine averaged over the heads of each stack, and of both.
    public var meanCosinesByStack: [String: [[Double?]]]
    /// The mean over heads and task pairs of the cosine between task means.
    public var meanCosineBetweenTasks: Double?
    public var clustering: Clustering?
    public var projection: Projection?

    public init(
        activations: ActivationsFile, means: TaskMeanCosines, clustering: PromptClustering?,
        projection: PromptProjection?
    ) {
        func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }
        let k = means.tasks.count
        func cube(_ value: (Int, Int, Int) -> Double) -> [[[Double?]]] {
            (0..<k).map { a in (0..<k).map { b in means.units.indices.map { finite(value(a, b, $0)) } } }
        }
        modelHash = activations.modelHash
        tasks = means.tasks
        units = means.units.map(\.name)
        meanCosines = cube(means.cosine)
        var byStack: [String: [[Double?]]] = [:]
        for (name, stack) in [("encoder", Stack.encoder), ("decoder", .decoder), ("all", nil)] as [(String, Stack?)] {
            byStack[name] = (0..<k).map { a in (0..<k).map { b in finite(means.meanCosine(a, b, stack: stack)) } }
        }
        meanCosinesByStack = byStack
        meanCosineBetweenTasks = finite(Self.mean(means.meanBetweenTasks))
        self.clustering = clustering.map { c in
            let within = c.within, between = c.between
            return Clustering(
                counts: c.counts, pairCosines: cube(c.cosine), within: within.map(finite),
                between: between.map(finite), meanWithin: finite(Self.mean(within)),
                meanBetween: finite(Self.mean(between)),
                headsWithinAboveBetween: zip(within, between).filter { $0 > $1 }.count,
                mostClustered: c.units[c.mostClustered].name)
        }
        self.projection = projection.map { p in
            Projection(
                unit: p.unit.name, explained: p.explained,
                points: p.points.map { point in
                    let task = p.tasks[point.task]
                    return Projection.Point(
                        task: task, prompt: point.prompt,
                        identity: activations.tasks[task]?.prompts[safe: point.prompt] ?? "",
                        x: point.x, y: point.y)
                })
        }
    }

    /// The mean of the finite values (NaN when none).
    public static func mean(_ values: [Double]) -> Double {
        let finite = values.filter(\.isFinite)
        return finite.isEmpty ? .nan : finite.reduce(0, +) / Double(finite.count)
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    /// The markdown summary: task x task tables per stack, and the clustering's numbers.
    public var markdown: String {
        func f(_ x: Double?) -> String { x.map { String(format: "%.4f", $0) } ?? "n/a" }
        func table(_ rows: [[Double?]]) -> [String] {
            ["| | " + tasks.joined(separator: " | ") + " |", "|---|" + tasks.map { _ in "---|" }.joined()]
                + tasks.indices.map { a in "| \(tasks[a]) | " + rows[a].map(f).joined(separator: " | ") + " |" }
        }
        var lines = [
            "# Task geometry", "",
            "Model \(modelHash), tasks \(tasks.joined(separator: ", ")), \(units.count) heads. Each head's vector is its "
                + "output at every one-shot token (docs/formats.md, \"Task geometry\"); geometry.json has every value.",
            "", "## Cosine between task means, averaged over heads", "",
            "Mean over heads and task pairs: \(f(meanCosineBetweenTasks)).", ""
        ]
        for stack in ["encoder", "decoder", "all"] {
            lines += ["### \(stack == "all" ? "both stacks" : stack)", ""] + table(meanCosinesByStack[stack]!) + [""]
        }
        if let c = clustering {
            lines += [
                "## Per-prompt outputs: cosine between prompts, within and between tasks", "",
                "Prompts per task: " + zip(tasks, c.counts).map { "\($0) \($1)" }.joined(separator: ", ") + ".", "",
                "| | mean over heads |", "|---|---|",
                "| within-task cosine (pairs of different prompts of one task) | \(f(c.meanWithin)) |",
                "| between-task cosine (pairs of prompts of two tasks) | \(f(c.meanBetween)) |",
                "| heads where within > between | \(c.headsWithinAboveBetween) of \(units.count) |",
                "| head clustering most (largest within - between) | \(c.mostClustered) |", "",
                "Averaged over heads, per task pair (within a task on the diagonal):", ""
            ]
            let averaged = tasks.indices.map { a in
                tasks.indices.map { b -> Double? in
                    let v = c.pairCosines[a][b].compactMap { $0 }
                    return v.isEmpty ? nil : v.reduce(0, +) / Double(v.count)
                }
            }
            lines += table(averaged) + [""]
        }
        if let p = projection {
            lines += [
                "## Projection", "",
                "\(p.points.count) prompts' outputs at \(p.unit) on their first two principal components "
                    + String(format: "(%.1f%% and %.1f%% of the variance)", p.explained[0] * 100, p.explained[1] * 100)
                    + ": projection.png, "
                    + "coordinates in geometry.json.", ""
            ]
        }
        return lines.joined(separator: "\n")
    }
}

extension Array {
    fileprivate subscript(safe index: Int) -> Element? { indices.contains(index) ? self[index] : nil }
}
