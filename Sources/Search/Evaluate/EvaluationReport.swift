import Foundation
import Model
import Outputs
import Prompts

/// What `vtv eval` found (`report/report.json`, keys in snake_case): per task and mode, every
/// prompt's metric in prompt order, the mean with its 95% confidence interval, and the time taken;
/// the analytic FLOPs of each mode's forward pass.
public struct EvaluationReport: Codable, Equatable {
    public static let formatName = "vtv-eval-report"

    public struct ModelInfo: Codable, Equatable {
        public var path: String
        public var hash: String

        public init(path: String, hash: String) {
            self.path = path
            self.hash = hash
        }
    }

    public struct PromptsInfo: Codable, Equatable {
        /// The prompt source (`PromptSource.origin`).
        public var origin: String
        public var role: String?
        /// Selected prompt indices of the source, in the order of every `per_prompt` list.
        public var indices: [Int]
        /// "origin#index" of each prompt.
        public var names: [String]
        /// Where the evaluated prompts come from (sources, classes, folds), the target of any transfer.
        public var provenance: PromptProvenance?

        public init(
            origin: String, role: String?, indices: [Int], names: [String], provenance: PromptProvenance? = nil
        ) {
            self.origin = origin
            self.role = role
            self.indices = indices
            self.names = names
            self.provenance = provenance
        }
    }

    /// Analytic FLOPs (2 per multiply-add) per prediction, counted two ways (docs/paper.md#flops):
    /// the MAE forward pass alone (`ModelConfiguration.forwardFLOPs`), and the MAE plus the VQGAN
    /// decoding of the predicted token grid, as the paper counts them. Every mode decodes one whole
    /// grid, so the decoding costs the same in each; patching adds nothing, so zero-shot + TV equals
    /// zero-shot. ViT-L: 65.1% fewer MAE FLOPs than one-shot, 22.6% counting the decoding.
    public struct FLOPs: Codable, Equatable {
        /// MAE forward pass of one prompt in each mode.
        public var oneShot: Double
        public var zeroShot: Double
        public var zeroShotTaskVectors: Double
        /// 1 - zeroShotTaskVectors / oneShot: the MAE alone.
        public var reductionVersusOneShot: Double
        /// VQGAN decoding of one predicted grid (`ModelConfiguration.vqganDecodeFLOPs`), every mode.
        public var vqganDecode: Double
        /// 1 - (zeroShotTaskVectors + vqganDecode) / (oneShot + vqganDecode): the paper's count
        /// (it reports about 0.225).
        public var reductionWithVQGANVersusOneShot: Double

        // The JSON keys are snake case; an explicit key keeps "VQGAN" through the round trip.
        enum CodingKeys: String, CodingKey {
            case oneShot, zeroShot, zeroShotTaskVectors, reductionVersusOneShot, vqganDecode
            case reductionWithVQGANVersusOneShot = "reductionWithVqganVersusOneShot"
        }

        public init(configuration: ModelConfiguration) {
            oneShot = configuration.forwardFLOPs(.oneShot)
            zeroShot = configuration.forwardFLOPs(.zeroShot)
            zeroShotTaskVectors = zeroShot
            reductionVersusOneShot = 1 - zeroShotTaskVectors / oneShot
            vqganDecode = configuration.vqganDecodeFLOPs
            reductionWithVQGANVersusOneShot = 1 - (zeroShotTaskVectors + vqganDecode) / (oneShot + vqganDecode)
        }
    }

    public struct TaskVectorsInfo: Codable, Equatable {
        /// How the variables were chosen (the file's `origin`, or "top-K by taskness").
        public var origin: String
        /// The task-vectors file, when one was given.
        public var file: String?
        public var granularity: Int
        public var variables: Int
        /// Patched (layer, head, token) head outputs per forward pass.
        public var patchedHeadOutputs: Int
        /// How a search's best policy became the variables (`threshold`, or `sample` with its seed);
        /// absent for listed or top-k variables.
        public var finalSelection: FinalSelection?
        /// The content hash of the model the vectors were made with, when it is not the evaluated
        /// model's (a sibling model of the same configuration, `vtv eval --allow-other-model`);
        /// absent when they are the same model.
        public var otherModelHash: String?
        /// The prompts the vectors were averaged over: their source (absent for files written
        /// before vtv recorded it).
        public var meansFrom: PromptProvenance?
        /// Whether the evaluated prompts are of another image source or other folds than `meansFrom`
        /// (`PromptProvenance.isTransfer(to:)`); absent when either side is unknown.
        public var transfer: Bool?

        /// `evaluatedModelHash`: the hash of the model that applies the vectors, when known;
        /// `target`: where the evaluated prompts come from, when known.
        public init(
            _ vectors: TaskVectors, file: String?, evaluatedModelHash: String? = nil, target: PromptProvenance? = nil
        ) {
            origin = vectors.origin
            meansFrom = vectors.meansFrom
            if let meansFrom, let target { transfer = meansFrom.isTransfer(to: target) }
            if let evaluatedModelHash, evaluatedModelHash != vectors.modelHash { otherModelHash = vectors.modelHash }
            finalSelection = vectors.finalSelection
            self.file = file
            granularity = vectors.granularity.rawValue
            variables = vectors.variables.count
            patchedHeadOutputs = vectors.targets.count
        }
    }

    public struct ModeResult: Codable, Equatable {
        public var summary: MetricSummary
        /// 95% confidence interval ends (the mean when there is a single prompt).
        public var ciLow: Double
        public var ciHigh: Double
        /// One value per prompt, in `prompts.indices` order.
        public var perPrompt: [Double]
        /// Seconds per rank (forward passes, VQGAN decoding and scoring), in rank order.
        public var rankSeconds: [Double]
        /// Wall time: the slowest rank.
        public var seconds: Double { rankSeconds.max() ?? 0 }

        public init(perPrompt: [Double], rankSeconds: [Double]) {
            summary = MetricSummary(perPrompt)
            ciLow = summary.lower
            ciHigh = summary.upper
            self.perPrompt = perPrompt
            self.rankSeconds = rankSeconds
        }
    }

    public struct TaskResult: Codable, Equatable {
        public var task: String
        /// "iou" or "mse" (`PredictionMetric.rawValue`).
        public var metric: String
        public var higherIsBetter: Bool
        public var taskVectors: TaskVectorsInfo?
        /// Keyed by `EvaluationMode.rawValue`.
        public var modes: [String: ModeResult]

        public init(
            task: String, metric: PredictionMetric, taskVectors: TaskVectorsInfo?, modes: [EvaluationMode: ModeResult]
        ) {
            self.task = task
            self.metric = metric.rawValue
            higherIsBetter = metric == .segmentationIoU
            self.taskVectors = taskVectors
            self.modes = Dictionary(uniqueKeysWithValues: modes.map { ($0.key.rawValue, $0.value) })
        }

        public func result(_ mode: EvaluationMode) -> ModeResult? { modes[mode.rawValue] }
    }

    public var format = EvaluationReport.formatName
    public var version = 1
    public var model: ModelInfo
    public var prompts: PromptsInfo
    public var ranks: Int
    public var batch: Int
    /// How the intervals are computed, in words.
    public var confidenceInterval = "95% normal interval over prompts: mean ± 1.96 * sample std (n-1) / sqrt(n)"
    public var flops: FLOPs
    public var tasks: [TaskResult]
    /// Task vectors patched into one task's one-shot prompts (`vtv eval --into-one-shot`); absent
    /// without it.
    public var oneShotPatched: [OneShotPatchResult]?

    public init(
        model: ModelInfo, prompts: PromptsInfo, ranks: Int, batch: Int, flops: FLOPs, tasks: [TaskResult],
        oneShotPatched: [OneShotPatchResult]? = nil
    ) {
        self.oneShotPatched = oneShotPatched
        self.model = model
        self.prompts = prompts
        self.ranks = ranks
        self.batch = batch
        self.flops = flops
        self.tasks = tasks
    }

    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(self)
    }

    public static func decode(_ data: Data) throws -> EvaluationReport {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        return try decoder.decode(EvaluationReport.self, from: data)
    }

    /// The modes that were run (task vectors only when some task had them).
    public var modes: [EvaluationMode] {
        EvaluationMode.allCases.filter { mode in tasks.contains { $0.result(mode) != nil } }
    }

    /// `report.md`: the results table with intervals, then FLOPs and timing.
    public func markdown() -> String {
        let n = prompts.indices.count
        var lines = [
            "# vtv eval", "",
            "Model `\(model.path)` (hash `\(model.hash)`); \(n) prompt(s) from `\(prompts.origin)`"
                + (prompts.role.map { " (role `\($0)`)" } ?? "") + " on \(ranks) rank(s), batch \(batch).", "",
            "| task | one-shot | zero-shot | zero-shot + TV |",
            "|---|---|---|---|"
        ]
        for task in tasks {
            let name = "\(task.task) (\(task.metric == "iou" ? "mIoU, higher is better" : "MSE, lower is better"))"
            let cells = [EvaluationMode.oneShot, .zeroShot, .taskVectors].map {
                task.result($0)?.summary.formatted() ?? "n/a"
            }
            lines.append("| \(name) | \(cells.joined(separator: " | ")) |")
        }
        lines += [
            "",
            "Values are means over the prompts ± the half-width of a 95% confidence interval: "
                + "1.96 × sample standard deviation (n−1) / √n, n = \(n).", ""
        ]
        let vectors = tasks.compactMap { t in t.taskVectors.map { (t.task, $0) } }
        if !vectors.isEmpty {
            lines += [
                "Task vectors (their source: how they were made, the prompts they were averaged over, and the "
                    + "file), applied to the target prompts above (`\(prompts.origin)`"
                    + (prompts.role.map { ", role `\($0)`" } ?? "")
                    + (prompts.provenance.map { ": \($0.summary)" } ?? "") + "):", ""
            ]
            for (task, v) in vectors {
                lines.append(
                    "- \(task): \(v.variables) variable(s) at granularity \(v.granularity), \(v.patchedHeadOutputs) "
                        + "patched head output(s); \(v.origin)" + (v.finalSelection.map { "; final set: \($0)" } ?? "")
                        + (v.file.map { " (`\($0)`)" } ?? "")
                        + "; averaged over " + (v.meansFrom?.summary ?? "prompts the file does not record")
                        + (v.transfer == true ? " (a transfer: another source or other folds than the target)" : "")
                        + (v.otherModelHash.map {
                            "; made with another model of the same configuration (hash `\($0)`, not `\(model.hash)`; "
                                + "--allow-other-model)"
                        } ?? ""))
            }
            lines.append("")
        }
        lines += oneShotPatchedMarkdown()
        lines += [
            "## FLOPs per prediction (analytic)", "",
            "| mode | MAE GFLOP | vs one-shot | MAE + VQGAN decoding GFLOP (the paper's count) | vs one-shot |",
            "|---|---|---|---|---|"
        ]
        for (mode, value) in [
            (EvaluationMode.oneShot, flops.oneShot), (.zeroShot, flops.zeroShot),
            (.taskVectors, flops.zeroShotTaskVectors)
        ] {
            let withDecoding = value + flops.vqganDecode, oneShotWithDecoding = flops.oneShot + flops.vqganDecode
            lines.append(
                "| \(mode.title) | " + String(format: "%.4f", value / 1e9) + " | "
                    + String(format: "%+.1f%%", (value / flops.oneShot - 1) * 100) + " | "
                    + String(format: "%.4f", withDecoding / 1e9) + " | "
                    + String(format: "%+.1f%%", (withDecoding / oneShotWithDecoding - 1) * 100) + " |")
        }
        lines += [
            "",
            "Zero-shot + TV needs " + String(format: "%.1f%%", flops.reductionVersusOneShot * 100)
                + " fewer MAE FLOPs than one-shot prompting, and "
                + String(format: "%.1f%%", flops.reductionWithVQGANVersusOneShot * 100)
                + " fewer counting the VQGAN decoding as the paper does (the paper reports about 22.5% on ViT-L). "
                + "Counted: 2 FLOPs per multiply-add of every matrix product of the MAE encoder and decoder and of every "
                + "convolution and attention product of the VQGAN decoder ("
                + String(format: "%.4f", flops.vqganDecode / 1e9)
                + " GFLOP per predicted grid, the same in every mode); "
                + "norms and activations are not counted; patching adds none.",
            "", "## Time", "",
            "| mode | wall seconds (slowest rank, all tasks) | prompts per second |", "|---|---|---|"
        ]
        for mode in modes {
            let results = tasks.compactMap { $0.result(mode) }
            let wall = results.reduce(0) { $0 + $1.seconds }
            let count = results.reduce(0) { $0 + $1.perPrompt.count }
            lines.append(
                "| \(mode.title) | " + String(format: "%.2f", wall) + " | "
                    + (wall > 0 ? String(format: "%.2f", Double(count) / wall) : "n/a") + " |")
        }
        lines += ["", "Times include the forward passes, the VQGAN decoding of the predicted grid and the scoring.", ""]
        return lines.joined(separator: "\n")
    }
}

/// Writes a report's files into a folder: the folder is made if missing, each file is published
/// whole and all of them together (`Publication`), and nothing else in the folder is touched, so
/// `--out .` or a folder holding the inputs is safe.
public enum ReportFolder {
    /// The names of `vtv eval`'s report files.
    public static let evaluationFiles = ["report.json", "report.md", "grid.png"]

    public static func write(_ files: [String: Data], to path: String) throws {
        try OutputFolder.create(path)
        try Publication.together {
            for (name, data) in files.sorted(by: { $0.key < $1.key }) {
                try StagedFile.write(data, to: OutputFolder.file(name, in: path))
            }
        }
    }
}
