import Model

extension EvaluationReport {
    /// Task vectors patched into another task's one-shot prompts (`vtv eval --into-one-shot`, the
    /// published code's `--zero_shot 0`): task `vectorsTask`'s vectors written over the head outputs
    /// of `promptTask`'s one-shot prompts at the same canvas positions (`TaskVectors.patchSet(for:)`).
    /// Which task the output follows is read from two targets of the same prompt index: the prompt
    /// task's (its own metric) and the vectors' task's (that task's metric), each task's target built
    /// by the prompt source from the same image. Every list is in `prompts.indices` order.
    public struct OneShotPatchResult: Codable, Equatable {
        /// The task whose one-shot prompts were run (example pair and query of this task).
        public var promptTask: String
        /// The task whose vectors were patched in.
        public var vectorsTask: String
        /// "iou" or "mse": the metric of each task.
        public var promptTaskMetric: String
        public var vectorsTaskMetric: String
        /// Patched (layer, head, token) head outputs per forward pass.
        public var patchedHeadOutputs: Int
        /// The patched prediction against the prompt task's target.
        public var patchedVersusPromptTask: ModeResult
        /// The patched prediction against the vectors' task's target.
        public var patchedVersusVectorsTask: ModeResult
        /// The unpatched one-shot prediction against the vectors' task's target: the baseline that
        /// says how far the patch moved the output towards that task.
        public var plainVersusVectorsTask: ModeResult

        public init(
            promptTask: String, vectorsTask: String, promptTaskMetric: PredictionMetric,
            vectorsTaskMetric: PredictionMetric, patchedHeadOutputs: Int, patchedVersusPromptTask: ModeResult,
            patchedVersusVectorsTask: ModeResult, plainVersusVectorsTask: ModeResult
        ) {
            self.promptTask = promptTask
            self.vectorsTask = vectorsTask
            self.promptTaskMetric = promptTaskMetric.rawValue
            self.vectorsTaskMetric = vectorsTaskMetric.rawValue
            self.patchedHeadOutputs = patchedHeadOutputs
            self.patchedVersusPromptTask = patchedVersusPromptTask
            self.patchedVersusVectorsTask = patchedVersusVectorsTask
            self.plainVersusVectorsTask = plainVersusVectorsTask
        }
    }

    /// The markdown section of `oneShotPatched` (empty without it).
    func oneShotPatchedMarkdown() -> [String] {
        guard let rows = oneShotPatched, !rows.isEmpty else { return [] }
        func name(_ metric: String) -> String { metric == "iou" ? "mIoU ↑" : "MSE ↓" }
        var lines = [
            "## Task vectors patched into one-shot prompts", "",
            "Each row patches the vectors of one task into the one-shot prompts of another (the published code's "
                + "`--zero_shot 0`) and scores the output against both tasks' targets for the same prompt.", "",
            "| one-shot prompts of | vectors of | patched head outputs | patched vs prompt task's target "
                + "| patched vs vectors' task's target | unpatched vs vectors' task's target |",
            "|---|---|---|---|---|---|"
        ]
        for row in rows {
            lines.append(
                "| \(row.promptTask) | \(row.vectorsTask) | \(row.patchedHeadOutputs) | "
                    + "\(row.patchedVersusPromptTask.summary.formatted()) (\(name(row.promptTaskMetric))) | "
                    + "\(row.patchedVersusVectorsTask.summary.formatted()) (\(name(row.vectorsTaskMetric))) | "
                    + "\(row.plainVersusVectorsTask.summary.formatted()) (\(name(row.vectorsTaskMetric))) |")
        }
        return lines + [""]
    }
}
