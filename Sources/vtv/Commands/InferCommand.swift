import Foundation
import Imaging
import Model
import Pipeline
import Prompts
import Search
import Storage

/// `vtv infer`: one prompt through MAE-VQGAN, with the logits, tokens, image and metric.
let inferCommand = Command(
    name: "infer",
    summary: "run one prompt of a prompts file through the model (one-shot, zero-shot or patched) and score it",
    discussion: """
        Writes /logits [positions, vocabulary], /tokens (argmax per predicted position), /canvas_tokens
        (int32 [grid*grid], the VQGAN tokens of the input canvas), /decoded_tokens (the grid the VQGAN
        decodes: zero-shot predictions duplicated into the top half), /image
        (uint8 [H, W, 3], the decoded prediction the published code scores) and the attribute `metric`
        (IoU for segmentation, normalized MSE otherwise, on the hole quadrant) with `metric_name`.
        --mode patched runs the prompt zero-shot (no example) with task vectors written over head outputs
        (docs/paper.md#head-outputs): either --patch-variables of --granularity with the task's means from
        --activations (zero-shot token a > 0 takes the mean at one-shot position a + 98, cls 0), or a
        task-vectors file (--taskvectors, from vtv search or vtv taskvectors make), which carries its vectors.
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--prompts", "P.h5", "the prompts file", required: true),
        .value("--index", "I", "prompt index, 0...count-1", required: true),
        .value("--task", "T", "task name (e.g. segmentation)", required: true),
        .value("--mode", "MODE", "one-shot, zero-shot or patched", default: "one-shot"),
        .value("--activations", "A.h5", "patched: task means from vtv collect (with --patch-variables)"),
        .value(
            "--granularity", "G",
            "patched: 0, 1 or 2, the numbering of --patch-variables (default 1); "
                + "checked against --taskvectors"),
        .value("--patch-variables", "LIST", "patched: comma-separated variables to patch with the task's means"),
        .value("--taskvectors", "TV.h5", "patched: a task-vectors file to apply"),
        .value("--out", "R.h5", "result file to write", required: true),
        .value("--png", "R.png", "also write the predicted image as PNG")
    ]
) { args in
    let modeName = try args.choice("--mode", PromptMode.allCases.map(\.rawValue) + ["patched"]) ?? "one-shot"
    let mode = PromptMode(rawValue: modeName) ?? .zeroShot
    let taskName = try args.required("--task")
    guard let task = PromptTask(rawValue: taskName) else {
        throw UsageError(
            "unknown task '\(taskName)'; one of " + PromptTask.allCases.map(\.rawValue).joined(separator: ", "))
    }
    guard let index = try args.int("--index", atLeast: 0) else { throw UsageError("--index expects an integer") }
    let patchOptions = ["--activations", "--granularity", "--patch-variables", "--taskvectors"]
    if modeName != "patched", let given = patchOptions.first(where: { args.string($0) != nil }) {
        throw UsageError("\(given) applies to --mode patched")
    }
    let model = try LoadedModel(path: try args.required("--model"), parts: .all)
    let configuration = model.configuration
    let prompts = try PromptsFile(path: try args.required("--prompts"))
    let canvas = try prompts.canvases(index, tasks: [task])[0]
    guard canvas.layout.size == configuration.imageSize else {
        throw UsageError(
            "the prompts are \(canvas.layout.size)px canvases but the model takes \(configuration.imageSize)px")
    }
    let patch = modeName == "patched" ? try patchedInferenceVectors(args, model: model, task: task) : nil

    let mae = try model.mae()
    let output = try mae.forward([MAESample(canvas: canvas.values, mode: mode, patches: patch?.patchSet())])
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

    let out = try args.required("--out")
    let file = try HDF5File.create(out)
    do {
        let logits = output.logits(of: 0)
        try file.root.write("logits", logits.values, shape: logits.shape)
        try file.root.write("tokens", tokens, shape: [tokens.count])
        try file.root.write("canvas_tokens", canvasTokens, shape: [canvasTokens.count])
        try file.root.write("decoded_tokens", grid, shape: [configuration.grid, configuration.grid])
        try file.root.write("image", image.pixels, shape: [image.height, image.width, 3])
        for (name, value) in [
            ("metric", HDF5Attribute.double(score)), ("metric_name", .string(metric.rawValue)),
            ("task", .string(task.rawValue)), ("mode", .string(modeName)),
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
        try file.commit()
    } catch {
        file.discard()
        throw error
    }
    if let png = args.string("--png") {
        try ImageFile.writePNG(
            Image8(width: image.width, height: image.height, channels: 3, pixels: image.pixels), to: png)
    }
    let patched = patch.map { " (\($0.variables.count) variables, \($0.targets.count) head outputs patched)" } ?? ""
    print(
        "\(task.rawValue) prompt \(index) \(modeName)\(patched): \(metric.rawValue) \(String(format: "%.6f", score)); wrote \(out)"
    )
    return 0
}

/// The task vectors of `infer --mode patched`: read from --taskvectors, or made from
/// --patch-variables and the task's means in --activations. Files of another model, a task the
/// activations lack, and a granularity other than the file's are refused.
private func patchedInferenceVectors(_ args: ParsedArguments, model: LoadedModel, task: PromptTask) throws
    -> TaskVectors
{
    switch (args.string("--taskvectors"), args.string("--patch-variables")) {
    case let (path?, nil):
        if args.string("--activations") != nil {
            throw UsageError("--taskvectors carries its own vectors; --activations goes with --patch-variables")
        }
        let granularity = args.string("--granularity") == nil ? nil : try parseGranularity(args)
        let vectors = try model.taskVectors(path, granularity: granularity)
        if vectors.task != task.rawValue {
            FileHandle.standardError.write(
                Data("vtv: note: applying task vectors of '\(vectors.task)' to a '\(task.rawValue)' prompt\n".utf8))
        }
        return vectors
    case (nil, .some):
        guard let path = args.string("--activations") else {
            throw UsageError("--patch-variables needs --activations A.h5 (the task means to patch with)")
        }
        let granularity = try parseGranularity(args)
        let space = PatchVariables(configuration: model.configuration, granularity: granularity)
        let variables = try parseVariables(args, "--patch-variables", space: space)
        let means = try model.activations(path).statistics(task.rawValue, file: path).means(
            configuration: model.configuration)
        return TaskVectors(
            task: task.rawValue, variables: variables, granularity: granularity, means: means,
            modelHash: model.hash, origin: "listed")
    case (.some, .some):
        throw UsageError("give either --patch-variables (with --activations) or --taskvectors, not both")
    case (nil, nil):
        throw UsageError("--mode patched needs --patch-variables LIST with --activations A.h5, or --taskvectors TV.h5")
    }
}
