import Distributed
import Foundation
import Imaging
import Outputs
import Plotting
import Prompts
import Search

/// What `vtv taskvectors combine` runs: two single tasks' sets, optionally the set a search found on
/// their composite task, and prompts of the composite.
public struct CombinationSettings {
    public var model: AnalysisModel
    /// The two single tasks' sets (e.g. low-light and in-painting).
    public var firstPath: String
    public var secondPath: String
    /// A set `vtv search` found directly on the composite task (nil: not compared).
    public var compositePath: String?
    public var shared: SharedVariableRule
    /// Prompts to run the composite task on (held-out ones).
    public var prompts: PromptSelection
    /// The report folder (`Combination.files`).
    public var out: String

    public init(
        model: AnalysisModel, firstPath: String, secondPath: String, compositePath: String?,
        shared: SharedVariableRule, prompts: PromptSelection, out: String
    ) {
        self.model = model
        self.firstPath = firstPath
        self.secondPath = secondPath
        self.compositePath = compositePath
        self.shared = shared
        self.prompts = prompts
        self.out = out
    }
}

/// Task-vector arithmetic on the composite tasks vtv builds (`PromptTask.components`): the union of
/// the two single tasks' sets (`TaskVectors.union`, shared variables by `SharedVariableRule`) against
/// each single set alone, the plain prompts, and a set searched directly on the composite, all on the
/// composite task's prompts.
public enum Combination {
    /// The report's files; union.h5 is the union as a task-vectors file of the composite task
    /// (`vtv eval --taskvectors` takes it).
    public static let files = ["combine.json", "combine.md", "combine.png", "union.h5"]

    /// Runs the comparison on every rank of `world` (prompts split as `scoreVariants` says, so the
    /// report does not depend on the number of ranks); rank 0 writes the files into `settings.out`
    /// together and returns the report, the other ranks return nil.
    public static func run(_ settings: CombinationSettings, world: Communicator) throws -> CombinationReport? {
        let model = settings.model
        let a = try model.taskVectors(settings.firstPath)
        let b = try model.taskVectors(settings.secondPath, granularity: a.granularity)
        let known = PromptTask.allCases.compactMap { task in
            task.components.map { "\(task.rawValue) (\($0.map(\.rawValue).joined(separator: " + ")))" }
        }
        guard let taskA = PromptTask(rawValue: a.task), let taskB = PromptTask(rawValue: b.task),
            let task = PromptTask.composite(of: taskA, taskB)
        else {
            throw SearchInputError.invalid(
                "\(settings.firstPath) (\(a.task)) and \(settings.secondPath) (\(b.task)) are not the two tasks of "
                    + "a composite vtv builds: " + known.joined(separator: ", "))
        }
        let direct = try settings.compositePath.map { path in
            let vectors = try model.taskVectors(path, granularity: a.granularity)
            guard vectors.task == task.rawValue else {
                throw SearchInputError.invalid(
                    "\(path) is for task '\(vectors.task)', not the composite '\(task.rawValue)' of \(a.task) and "
                        + "\(b.task); give the set of a search on the composite (vtv search --tasks \(task.rawValue))")
            }
            return vectors
        }
        try settings.prompts.source.requireTasks([task])
        let union = TaskVectors.union(a, b, task: task.rawValue, rule: settings.shared)

        var variants: [PromptVariant] = [
            PromptVariant(mode: .oneShot), PromptVariant(mode: .zeroShot), .zeroShot(a), .zeroShot(b), .zeroShot(union)
        ]
        if let direct { variants.append(.zeroShot(direct)) }
        guard
            let scores = try scoreVariants(
                variants, task: task, selection: settings.prompts, evaluator: model.evaluator, world: world,
                label: "combine")
        else { return nil }
        let oneShot = MetricSummary(scores[0]).mean, zeroShot = MetricSummary(scores[1]).mean
        let sets = [a, b, union] + (direct.map { [$0] } ?? [])
        let results = scores.indices.map { i in
            VariantResult(
                variables: i < 2 ? [] : sets[i - 2].variables, scores: scores[i], oneShot: oneShot, zeroShot: zeroShot)
        }
        let report = CombinationReport(
            model: ReportModel(path: model.path, hash: model.hash), task: task.rawValue,
            granularity: a.granularity.rawValue, prompts: ReportPrompts(settings.prompts),
            metric: task.metric.rawValue, higherIsBetter: task.metric == .segmentationIoU,
            first: .init(file: settings.firstPath, task: a.task, result: results[2]),
            second: .init(file: settings.secondPath, task: b.task, result: results[3]),
            shared: settings.shared, sharedVariables: Set(a.variables).intersection(b.variables).sorted(),
            oneShot: results[0], zeroShot: results[1], union: results[4],
            composite: direct.map { _ in .init(file: settings.compositePath!, task: task.rawValue, result: results[5])
            },
            unionCompositeJaccard: direct.map { jaccard(union.variables, $0.variables) })
        try OutputFolder.create(settings.out)
        try Publication.together {
            try union.write(to: OutputFolder.file("union.h5", in: settings.out))
            try ReportFolder.write(
                [
                    "combine.json": try report.jsonData(), "combine.md": Data(report.markdown().utf8),
                    "combine.png": try report.figurePNG()
                ], to: settings.out)
        }
        return report
    }
}

/// |A ∩ B| / |A ∪ B| (0 for two empty sets).
func jaccard(_ a: [Int], _ b: [Int]) -> Double {
    let union = Set(a).union(b).count
    return union == 0 ? 0 : Double(Set(a).intersection(b).count) / Double(union)
}

/// What `vtv taskvectors combine` measured (combine.json, docs/formats.md#combination-report). Every
/// result is on the composite task's prompts.
public struct CombinationReport: Codable, Equatable, Sendable {
    public struct SetResult: Codable, Equatable, Sendable {
        public var file: String
        /// The task the set was found for.
        public var task: String
        public var result: VariantResult
    }

    public var model: ReportModel
    /// The composite task the prompts demonstrate.
    public var task: String
    public var granularity: Int
    public var prompts: ReportPrompts
    public var metric: String
    public var higherIsBetter: Bool
    public var first: SetResult
    public var second: SetResult
    public var shared: SharedVariableRule
    /// Variables both single sets chose.
    public var sharedVariables: [Int]
    public var oneShot: VariantResult
    public var zeroShot: VariantResult
    public var union: VariantResult
    /// The set searched on the composite itself, when given.
    public var composite: SetResult?
    /// Jaccard overlap of the union and the composite's own set.
    public var unionCompositeJaccard: Double?

    public func jsonData() throws -> Data { try reportJSON(self) }

    public static func decode(_ data: Data) throws -> CombinationReport { try decodeReport(Self.self, from: data) }

    public func markdown() -> String {
        let arrow = higherIsBetter ? "higher is better" : "lower is better"
        var lines = [
            "# vtv taskvectors combine: \(task)", "",
            "The union of the \(first.task) and \(second.task) sets (granularity \(granularity); "
                + "\(sharedVariables.count) shared variable(s), patched with rule `\(shared.rawValue)`) on the "
                + "composite task `\(task)`: \(prompts.words). Model `\(model.path)` (hash \(model.hash)). Metric: "
                + "\(metric) (\(arrow)); each cell is the mean ± the 95% interval half-width and, in brackets, the "
                + "share of the one-shot advantage recovered.",
            "", "| variant | variables | \(metric) (recovered) |", "|---|---|---|",
            "| one-shot | — | \(oneShot.cell) |", "| zero-shot | — | \(zeroShot.cell) |",
            "| \(first.task) set (`\(first.file)`) | \(first.result.variables.count) | \(first.result.cell) |",
            "| \(second.task) set (`\(second.file)`) | \(second.result.variables.count) | \(second.result.cell) |",
            "| **union** | \(union.variables.count) | **\(union.cell)** |"
        ]
        if let composite {
            lines.append(
                "| set searched on \(task) (`\(composite.file)`) | \(composite.result.variables.count) | "
                    + "\(composite.result.cell) |")
        }
        if let unionCompositeJaccard {
            lines += [
                "", "Jaccard overlap of the union and the composite's own set: " + fixed(unionCompositeJaccard, 3) + "."
            ]
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// combine.png: every variant's mean with its 95% interval.
    public func figurePNG() throws -> Data {
        let palette = RGB.seriesPalette
        var bars = [
            Bar(label: "one-shot", value: oneShot.summary.mean, spread: oneShot.summary.halfWidth, color: palette[2]),
            Bar(
                label: "zero-shot", value: zeroShot.summary.mean, spread: zeroShot.summary.halfWidth, color: palette[3]),
            Bar(
                label: first.task, value: first.result.summary.mean, spread: first.result.summary.halfWidth,
                color: palette[1]),
            Bar(
                label: second.task, value: second.result.summary.mean, spread: second.result.summary.halfWidth,
                color: palette[4]),
            Bar(label: "union", value: union.summary.mean, spread: union.summary.halfWidth, color: palette[0])
        ]
        if let composite {
            bars.append(
                Bar(
                    label: "searched", value: composite.result.summary.mean,
                    spread: composite.result.summary.halfWidth, color: palette[5]))
        }
        return try stackedPNG(
            [
                barChartFigure(
                    title: "\(task): \(metric), whiskers 95%", yLabel: metric, bars: bars)
            ],
            name: "combine.png")
    }
}
