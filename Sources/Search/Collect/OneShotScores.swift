import Model

extension PromptEvaluator {
    /// The one-shot score of each canvas, as the published code scores prompts when it chooses the
    /// prompts of a task's mean: the decoded one-shot prediction against the canvas's own answer
    /// quadrant, by `metric` (IoU or normalized MSE, `Metrics`). canvases: each [3, size, size] in
    /// [0, 1] at the model's canvas size; they are run `batchSize` at a time.
    public func oneShotScores(canvases: [[Float]], metric: PredictionMetric) throws -> [Double] {
        let side = model.configuration.imageSize
        let predictions = try self.predictions(canvases: canvases, mode: .oneShot)
        return zip(canvases, predictions).map { canvas, prediction in
            metric.evaluate(
                target: Metrics.targetImage(canvas: canvas, height: side, width: side), prediction: prediction)
        }
    }
}
