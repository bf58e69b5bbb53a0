import Foundation
import Model

/// The paper's table (`vtv protocol`'s protocol.json and protocol.md, keys in snake_case): rows are
/// the conditions (one-shot, zero-shot, zero-shot + task vectors), columns the tasks with their
/// metric (mIoU for segmentation, MSE otherwise). Each cell pools the episodes of every fold: the
/// per-episode metrics of the folds' evaluations, concatenated in fold order, summarized with a 95%
/// confidence interval (`MetricSummary`); each fold's own summary is kept beside it.
public struct ProtocolReport: Codable, Equatable {
    public static let formatName = "vtv-protocol-report"

    /// How the study was set up, for the record.
    public struct Setup: Codable, Equatable {
        /// The `--source` description (`pascal:VOCDIR` with its splits folder, or `synthetic:SEED...`).
        public var source: String
        public var promptSeed: UInt64
        public var folds: [Int]
        /// Evaluation episodes per fold.
        public var episodes: Int
        /// Collection pool per fold and the best one-shot prompts kept from it for each task mean.
        public var pool: Int
        public var selectBest: Int
        /// Every search's settings (the task and the activations change per run).
        public var search: SearchSettings
        public var finalSelection: FinalSelection.Rule

        public init(
            source: String, promptSeed: UInt64, folds: [Int], episodes: Int, pool: Int, selectBest: Int,
            search: SearchSettings, finalSelection: FinalSelection.Rule
        ) {
            self.source = source
            self.promptSeed = promptSeed
            self.folds = folds
            self.episodes = episodes
            self.pool = pool
            self.selectBest = selectBest
            self.search = search
            self.finalSelection = finalSelection
        }
    }

    public struct FoldResult: Codable, Equatable {
        public var fold: Int
        public var summary: MetricSummary
    }

    /// One cell of the table: a condition on a task, over every fold's episodes.
    public struct Condition: Codable, Equatable {
        /// `EvaluationMode.rawValue`.
        public var mode: String
        public var pooled: MetricSummary
        public var ciLow: Double
        public var ciHigh: Double
        public var folds: [FoldResult]
    }

    /// The task vectors of one fold's search.
    public struct FoldVectors: Codable, Equatable {
        public var fold: Int
        public var variables: Int
        public var file: String?
        public var finalSelection: FinalSelection?
    }

    public struct TaskColumn: Codable, Equatable {
        public var task: String
        /// "iou" or "mse".
        public var metric: String
        public var higherIsBetter: Bool
        /// One per mode, in `EvaluationMode.allCases` order.
        public var conditions: [Condition]
        /// (zero-shot + TV − zero-shot) / (one-shot − zero-shot) of the pooled means: the share of
        /// the one-shot advantage the task vectors recover (nil when one-shot equals zero-shot).
        public var recovered: Double?
        public var taskVectors: [FoldVectors]

        public func condition(_ mode: EvaluationMode) -> Condition? { conditions.first { $0.mode == mode.rawValue } }
    }

    public var format = ProtocolReport.formatName
    public var version = 1
    public var model: EvaluationReport.ModelInfo
    public var setup: Setup
    public var ranks: Int
    public var confidenceInterval =
        "95% normal interval over the episodes of every fold pooled: mean ± 1.96 * sample std (n-1) / sqrt(n)"
    public var tasks: [TaskColumn]

    /// Pools `folds` (each fold's evaluation, all of the same tasks and with task vectors), in order.
    public init(
        model: EvaluationReport.ModelInfo, setup: Setup, ranks: Int,
        folds: [(fold: Int, report: EvaluationReport)]
    ) throws {
        self.model = model
        self.setup = setup
        self.ranks = ranks
        guard let first = folds.first else { throw SearchInputError.invalid("the protocol has no fold to report") }
        tasks = try first.report.tasks.map { column in
            let results = try folds.map { fold -> (Int, EvaluationReport.TaskResult) in
                guard let result = fold.report.tasks.first(where: { $0.task == column.task }) else {
                    throw SearchInputError.invalid("fold \(fold.fold)'s evaluation has no task '\(column.task)'")
                }
                return (fold.fold, result)
            }
            let conditions = try EvaluationMode.allCases.map { mode in
                var pooled: [Double] = []
                var perFold: [FoldResult] = []
                for (fold, result) in results {
                    guard let values = result.result(mode)?.perPrompt, !values.isEmpty else {
                        throw SearchInputError.invalid(
                            "fold \(fold)'s evaluation of '\(column.task)' has no \(mode.title) results")
                    }
                    pooled += values
                    perFold.append(FoldResult(fold: fold, summary: MetricSummary(values)))
                }
                let summary = MetricSummary(pooled)
                return Condition(
                    mode: mode.rawValue, pooled: summary, ciLow: summary.lower, ciHigh: summary.upper, folds: perFold)
            }
            let one = conditions[0].pooled.mean, zero = conditions[1].pooled.mean, tv = conditions[2].pooled.mean
            return TaskColumn(
                task: column.task, metric: column.metric, higherIsBetter: column.higherIsBetter,
                conditions: conditions,
                recovered: RecoveredShare(oneShot: one, zeroShot: zero, taskVectors: tv).share,
                taskVectors: results.map { fold, result in
                    FoldVectors(
                        fold: fold, variables: result.taskVectors?.variables ?? 0,
                        file: result.taskVectors?.file, finalSelection: result.taskVectors?.finalSelection)
                })
        }
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> ProtocolReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(ProtocolReport.self, from: data)
    }

    /// A task's column title: "segmentation (mIoU ↑)".
    public static func columnTitle(task: String, metric: String) -> String {
        "\(task) (" + (metric == PredictionMetric.segmentationIoU.rawValue ? "mIoU ↑" : "MSE ↓") + ")"
    }

    /// protocol.md: the pooled table in the paper's layout, then each fold's numbers and the task vectors.
    public func markdown() -> String {
        let s = setup.search
        let n = setup.folds.count * setup.episodes
        var lines = [
            "# vtv protocol", "",
            "Model `\(model.path)` (hash `\(model.hash)`), prompts `\(setup.source)` (prompt seed \(setup.promptSeed)), "
                + "\(ranks) rank(s). Folds \(setup.folds.map(String.init).joined(separator: ", ")) x \(setup.episodes) "
                + "evaluation episodes of the fold's own classes. For each fold, on the other folds' classes: task means "
                + "over the best \(setup.selectBest) of \(setup.pool) one-shot prompts, and one search per task "
                + "(\(s.iterations) iterations x \(s.samplesPerIteration) masks, \(s.trainPrompts) training and "
                + "\(s.evalPrompts) held-out prompts checked every \(s.evalEvery), granularity \(s.granularity), "
                + "\(s.reward.rawValue) reward, \(s.baseline.rawValue) baseline, \(s.stacks.rawValue) stacks, "
                + "lr \(s.learningRate), initial logit \(s.initialLogit), mask seed \(s.seed), final set: "
                + "\(setup.finalSelection.rawValue)).", "",
            "| condition | " + tasks.map { Self.columnTitle(task: $0.task, metric: $0.metric) }.joined(separator: " | ")
                + " |",
            "|---|" + String(repeating: "---|", count: tasks.count)
        ]
        for mode in EvaluationMode.allCases {
            lines.append(
                "| \(mode.title) | "
                    + tasks.map { $0.condition(mode)?.pooled.formatted() ?? "n/a" }.joined(separator: " | ") + " |")
        }
        lines.append(
            "| recovered by TV | "
                + tasks.map { $0.recovered.map { String(format: "%.0f%%", $0 * 100) } ?? "n/a" }
                .joined(separator: " | ") + " |")
        lines += [
            "",
            "Means over the \(n) episodes of all folds pooled ± the half-width of a 95% confidence interval: "
                + "1.96 × sample standard deviation (n−1) / √n. \"Recovered\" is (zero-shot + TV − zero-shot) / "
                + "(one-shot − zero-shot) of the pooled means.", "",
            "## Per fold", "",
            "| task | condition | " + setup.folds.map { "fold \($0)" }.joined(separator: " | ") + " |",
            "|---|---|" + String(repeating: "---|", count: setup.folds.count)
        ]
        for task in tasks {
            for condition in task.conditions {
                let title = EvaluationMode(rawValue: condition.mode)?.title ?? condition.mode
                lines.append(
                    "| \(task.task) | \(title) | "
                        + condition.folds.map { $0.summary.formatted() }.joined(separator: " | ") + " |")
            }
        }
        lines += [
            "", "## Task vectors (variables chosen per fold)", "",
            "| task | " + setup.folds.map { "fold \($0)" }.joined(separator: " | ") + " |",
            "|---|" + String(repeating: "---|", count: setup.folds.count)
        ]
        for task in tasks {
            lines.append(
                "| \(task.task) | " + task.taskVectors.map { "\($0.variables)" }.joined(separator: " | ") + " |")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }
}
