import Distributed
import Model

/// Runs one-shot forward passes over prompts in batches and accumulates every head output into
/// per-task statistics (docs/paper.md#head-outputs: task mean = average of o over a task's prompts).
public struct ActivationCollector {
    public let model: MAEModel
    public let batchSize: Int

    public init(model: MAEModel, batchSize: Int) {
        precondition(batchSize > 0)
        self.model = model
        self.batchSize = batchSize
    }

    /// Statistics over `prompts` (this rank's share): `canvas(i)` gives prompt i's canvas
    /// [3, imageSize, imageSize] in [0, 1] and `identity(i)` its name; `record` receives every
    /// prompt's recording in prompt order (`vtv collect --per-prompt`); `progress(done)` is called
    /// after each batch.
    public func collect(
        _ prompts: [Int], canvas: (Int) throws -> [Float], identity: (Int) -> String,
        record: (HeadOutputs) throws -> Void = { _ in }, progress: (Int) -> Void = { _ in }
    ) throws -> TaskStatistics {
        let configuration = model.configuration
        var statistics = TaskStatistics(configuration: configuration)
        let output = MAEOutput()
        var done = 0
        for start in stride(from: 0, to: prompts.count, by: batchSize) {
            let batch = Array(prompts[start..<min(start + batchSize, prompts.count)])
            let recorders = batch.map { _ in HeadRecorder(configuration: configuration, mode: .oneShot) }
            let samples = try zip(batch, recorders).map { index, recorder in
                MAESample(canvas: try canvas(index), mode: .oneShot, recorder: recorder)
            }
            try model.forward(samples, into: output)
            for (index, recorder) in zip(batch, recorders) {
                statistics.add(recorder.outputs, prompt: identity(index))
                try record(recorder.outputs)
            }
            done += batch.count
            progress(done)
        }
        return statistics
    }
}
