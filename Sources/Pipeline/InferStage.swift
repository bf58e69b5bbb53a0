import Foundation
import Imaging
import Model
import Prompts
import Search
import Storage

/// The task vectors `vtv infer --mode patched` writes over head outputs.
public enum InferencePatch {
    /// A task-vectors file, checked against `granularity` when given; with `allowOtherModel`, a
    /// sibling model's (another content hash, the same configuration) is accepted.
    case taskVectors(String, granularity: PatchVariables.Granularity?, allowOtherModel: Bool = false)
    /// These variables of `granularity`, with the task's means from an activations file.
    case variables([Int], granularity: PatchVariables.Granularity, activations: String)
}

/// What `vtv infer` does (`runInfer`): one prompt of a prompts file through the model.
public struct InferSettings {
    public var model: String
    /// The prompts file.
    public var prompts: String
    public var index: Int
    public var task: PromptTask
    /// One-shot or zero-shot; with `patch`, `patchInto` with the head outputs patched.
    public var mode: PromptMode
    public var patch: InferencePatch?
    /// The prompt a patch is written into: zero-shot (`--mode patched`, the paper's task vectors) or
    /// one-shot (`--mode patched-one-shot`, the published code's `--zero_shot 0`), where each target
    /// moves to the one-shot token at the same canvas position (`TaskVectors.patchSet(for:)`).
    public var patchInto: PromptMode
    /// The result file to write (docs/formats.md; `vtv infer --help`).
    public var out: String
    /// The predicted image as a PNG to write besides, if any.
    public var png: String?

    public init(
        model: String, prompts: String, index: Int, task: PromptTask, mode: PromptMode, patch: InferencePatch? = nil,
        out: String, png: String? = nil, patchInto: PromptMode = .zeroShot
    ) {
        self.patchInto = patchInto
        self.model = model
        self.prompts = prompts
        self.index = index
        self.task = task
        self.mode = mode
        self.patch = patch
        self.out = out
        self.png = png
    }

    /// "one-shot", "zero-shot", "patched" or "patched-one-shot".
    public var modeName: String {
        guard patch != nil else { return mode.rawValue }
        return patchInto == .oneShot ? "patched-one-shot" : "patched"
    }
}

/// What one inference gave.
public struct InferReport {
    public var metric: PredictionMetric
    public var score: Double
    /// The task vectors applied, with `patch`.
    public var vectors: TaskVectors?
    /// With vectors of another known task B: the prediction scored against B's target for the same
    /// prompt index, with B's metric (which task the output follows); nil otherwise.
    public var vectorsTaskScore: (metric: PredictionMetric, score: Double)?
}

/// Runs one prompt through MAE-VQGAN on one process and writes its logits, tokens, decoded image
/// and metric to `settings.out` (and the image to `settings.png`).
public func runInfer(_ settings: InferSettings) throws -> InferReport {
    let task = settings.task, index = settings.index
    let mode = settings.patch == nil ? settings.mode : settings.patchInto
    let model = try LoadedModel(path: settings.model, parts: .all)
    let configuration = model.configuration
    let prompts = try PromptsFile(path: settings.prompts)
    let canvas = try prompts.canvases(index, tasks: [task])[0]
    guard canvas.layout.size == configuration.imageSize else {
        throw UsageError(
            "the prompts are \(canvas.layout.size)px canvases but the model takes \(configuration.imageSize)px")
    }
    let patch = try settings.patch.map { try inferenceVectors($0, model: model, task: task) }

    let mae = try model.mae()
    let output = try mae.forward([MAESample(canvas: canvas.values, mode: mode, patches: patch?.patchSet(for: mode))])
    let tokens = output.argmax(of: 0)
    let grid = try Rendering.tokenGrid(predicted: tokens, mode: mode, grid: configuration.grid)
    let decoder = try model.vqganDecoder()
    let side = configuration.imageSize
    let canvasTokens = try model.vqganEncoder()
        .tokens(canvases: canvas.values, count: 1, height: side, width: side)
    let image = try Rendering.render(
        predicted: tokens, count: 1, mode: mode, grid: configuration.grid, decoder: decoder,
        canvasHeight: side, canvasWidth: side)[0]
    let metric: PredictionMetric = task.isSegmentation ? .segmentationIoU : .normalizedMSE
    let score = metric.evaluate(
        target: Metrics.targetImage(canvas: canvas.values, height: side, width: side), prediction: image)
    // Vectors of another task: the same prediction against that task's target for this prompt.
    let vectorsTask = patch.flatMap { PromptTask(rawValue: $0.task) }.flatMap { $0 == task ? nil : $0 }
    let vectorsTaskScore = try vectorsTask.map { other in
        let target = Metrics.targetImage(
            canvas: try prompts.canvases(index, tasks: [other])[0].values, height: side, width: side)
        return (metric: other.metric, score: other.metric.evaluate(target: target, prediction: image))
    }

    let file = try HDF5File.create(settings.out)
    do {
        let logits = output.logits(of: 0)
        try file.root.write("logits", logits.values, shape: logits.shape)
        try file.root.write("tokens", tokens, shape: [tokens.count])
        try file.root.write("canvas_tokens", canvasTokens, shape: [canvasTokens.count])
        try file.root.write("decoded_tokens", grid, shape: [configuration.grid, configuration.grid])
        try file.root.write("image", image.pixels, shape: [image.height, image.width, 3])
        for (name, value) in [
            ("metric", HDF5Attribute.double(score)), ("metric_name", .string(metric.rawValue)),
            ("task", .string(task.rawValue)), ("mode", .string(settings.modeName)),
            ("index", .int(index)), ("model_hash", .string(model.hash))
        ] {
            try file.root.setAttribute(name, value)
        }
        if let patch {
            try file.root.write("patched_variables", patch.variables.map(Int32.init), shape: [patch.variables.count])
            try file.root.setAttribute("granularity", .int(patch.granularity.rawValue))
            try file.root.setAttribute("patched_head_outputs", .int(patch.targets.count))
            try file.root.setAttribute("taskvectors_task", .string(patch.task))
            try file.root.setAttribute("taskvectors_origin", .string(patch.origin))
        }
        if let vectorsTaskScore {
            try file.root.setAttribute("taskvectors_task_metric", .double(vectorsTaskScore.score))
            try file.root.setAttribute("taskvectors_task_metric_name", .string(vectorsTaskScore.metric.rawValue))
        }
        try file.commit()
    } catch {
        file.discard()
        throw error
    }
    if let png = settings.png {
        try ImageFile.writePNG(
            Image8(width: image.width, height: image.height, channels: 3, pixels: image.pixels), to: png)
    }
    return InferReport(metric: metric, score: score, vectors: patch, vectorsTaskScore: vectorsTaskScore)
}

/// The task vectors of a patched inference: read from a file, or made from variables and the
/// task's means. Files of another model, a task the activations lack, and a granularity other than
/// the file's are refused.
private func inferenceVectors(_ patch: InferencePatch, model: LoadedModel, task: PromptTask) throws -> TaskVectors {
    switch patch {
    case let .taskVectors(path, granularity, allowOtherModel):
        let vectors = try model.taskVectors(path, granularity: granularity, allowOtherModel: allowOtherModel)
        if vectors.modelHash != model.hash {
            FileHandle.standardError.write(
                Data(
                    ("vtv: note: the task vectors were made with model \(vectors.modelHash), not \(model.hash) "
                        + "(--allow-other-model)\n").utf8))
        }
        if vectors.task != task.rawValue {
            FileHandle.standardError.write(
                Data("vtv: note: applying task vectors of '\(vectors.task)' to a '\(task.rawValue)' prompt\n".utf8))
        }
        return vectors
    case let .variables(list, granularity, path):
        let space = PatchVariables(configuration: model.configuration, granularity: granularity)
        let variables = try checkedVariables(list, option: "--patch-variables", space: space)
        let statistics = try model.activations(path).statistics(task.rawValue, file: path)
        return TaskVectors(
            task: task.rawValue, variables: variables, granularity: granularity,
            means: statistics.means(configuration: model.configuration), meansFrom: statistics.provenance,
            modelHash: model.hash, origin: "listed")
    }
}
