import Foundation
import Imaging
import Model
import Prompts
import Storage

/// `vtv infer`: one prompt through MAE-VQGAN, with the logits, tokens, image and metric.
let inferCommand = Command(
    name: "infer",
    summary: "run one prompt of a prompts file through the model and score it",
    discussion: """
    Writes /logits [positions, vocabulary], /tokens (argmax per predicted position), /canvas_tokens
    (the 14x14 grid the VQGAN decodes: zero-shot predictions duplicated into the top half), /image
    (uint8 [H, W, 3], the decoded prediction the published code scores) and the attribute `metric`
    (IoU for segmentation, normalized MSE otherwise, on the hole quadrant) with `metric_name`.
    """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--prompts", "P.h5", "the prompts file", required: true),
        .value("--index", "I", "prompt index", required: true),
        .value("--task", "T", "task name (e.g. segmentation)", required: true),
        .value("--mode", "MODE", "one-shot or zero-shot", default: "one-shot"),
        .value("--out", "R.h5", "result file to write", required: true),
        .value("--png", "R.png", "also write the predicted image as PNG"),
    ]
) { args in
    guard let mode = PromptMode(rawValue: try args.choice("--mode", PromptMode.allCases.map(\.rawValue)) ?? "one-shot") else {
        throw UsageError("--mode must be one-shot or zero-shot")
    }
    let taskName = try args.required("--task")
    guard let task = PromptTask(rawValue: taskName) else {
        throw UsageError("unknown task '\(taskName)'; one of " + PromptTask.allCases.map(\.rawValue).joined(separator: ", "))
    }
    guard let index = try args.int("--index") else { throw UsageError("--index expects an integer") }
    let (configuration, weights) = try ModelFile.read(try args.required("--model"))
    let prompts = try PromptsFile(path: try args.required("--prompts"))
    let canvas = try prompts.canvases(index, tasks: [task])[0]
    guard canvas.layout.size == configuration.imageSize else {
        throw UsageError("the prompts are \(canvas.layout.size)px canvases but the model takes \(configuration.imageSize)px")
    }

    let model = try MAEModel(configuration: configuration, weights: weights)
    let output = try model.forward([MAESample(canvas: canvas.values, mode: mode)])
    let tokens = output.argmax(of: 0)
    let grid = try Rendering.tokenGrid(predicted: tokens, mode: mode, grid: configuration.grid)
    let decoder = try VQGANDecoder(configuration: configuration.vqgan, weights: weights)
    let side = configuration.imageSize
    let image = try Rendering.render(predicted: tokens, count: 1, mode: mode, grid: configuration.grid, decoder: decoder,
                                     canvasHeight: side, canvasWidth: side)[0]
    let metric: PredictionMetric = task.isSegmentation ? .segmentationIoU : .normalizedMSE
    let score = metric.evaluate(target: Metrics.targetImage(canvas: canvas.values, height: side, width: side), prediction: image)

    let out = try args.required("--out")
    let file = try HDF5File.create(out)
    do {
        let logits = output.logits(of: 0)
        try file.root.write("logits", logits.values, shape: logits.shape)
        try file.root.write("tokens", tokens, shape: [tokens.count])
        try file.root.write("canvas_tokens", grid, shape: [configuration.grid, configuration.grid])
        try file.root.write("image", image.pixels, shape: [image.height, image.width, 3])
        for (name, value) in [("metric", HDF5Attribute.double(score)), ("metric_name", .string(metric.rawValue)),
                              ("task", .string(task.rawValue)), ("mode", .string(mode.rawValue)),
                              ("index", .int(index)), ("model_hash", .string(ModelFile.contentHash(weights)))] {
            try file.root.setAttribute(name, value)
        }
        try file.commit()
    } catch {
        file.discard()
        throw error
    }
    if let png = args.string("--png") {
        try ImageFile.writePNG(Image8(width: image.width, height: image.height, channels: 3, pixels: image.pixels), to: png)
    }
    print("\(task.rawValue) prompt \(index) \(mode.rawValue): \(metric.rawValue) \(String(format: "%.6f", score)); wrote \(out)")
    return 0
}
