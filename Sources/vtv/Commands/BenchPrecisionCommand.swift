import Benchmarks
import Foundation
import Model
import Pipeline
import Prompts

/// `vtv bench precision`: how far bf16 Linear layers move a model's predictions from fp32's,
/// for docs/benchmarks.md ("bf16 on AVX512_BF16").
let benchPrecisionCommand = Command(
    name: "bench precision",
    summary: "compare the MAE's predictions with bf16 Linear layers against fp32 on a prompts file",
    discussion: """
        Loads the model twice from one read of the file: the reference with fp32 Linear layers, and
        the MAE with bf16 products and fp32 sums (AVX512_BF16's vdpbf16ps; refused on a CPU without
        it). Runs the first --count prompts of --task as one batch through both, decodes both
        predictions with the same fp32 VQGAN decoder, and prints per prompt the largest and mean
        absolute logit difference, how many predicted tokens (argmax) change, the largest and mean
        absolute difference of the decoded images (bytes 0-255) and the task's score of each.
        """,
    options: [
        .value("--model", "M.h5", "the model file (default: the embedded vtv-small)"),
        .value("--prompts", "P.h5", "the prompts file", required: true),
        .value("--task", "T", "task of the prompts to run (default: the file's first)"),
        .value("--count", "N", "prompts to run, from index 0, N >= 1 (default: all)"),
        .value("--mode", "MODE", "zero-shot or one-shot", default: "one-shot"),
        .value("--threads", "N", "OpenBLAS threads, 1...\(largestBLASThreads) (default: OpenBLAS' setting)")
    ]
) { args in
    guard let mode = PromptMode(rawValue: try args.choice("--mode", PromptMode.allCases.map(\.rawValue)) ?? "one-shot")
    else {
        throw UsageError("--mode must be zero-shot or one-shot")
    }
    do {
        try LinearPrecision.bf16.checkSupported()
    } catch {
        throw UsageError("bench precision compares bf16 with fp32: \(error)")
    }
    try applyBLASThreadsOption(args)
    let prompts = try PromptsFile(path: try args.required("--prompts"))
    let task: PromptTask
    if let name = args.string("--task") {
        guard let named = PromptTask(rawValue: name), prompts.tasks.contains(named) else {
            throw UsageError(
                "--task \(name) is not in \(prompts.path), which has "
                    + prompts.tasks.map(\.rawValue).joined(separator: ", "))
        }
        task = named
    } else {
        task = prompts.tasks[0]
    }
    let count = try args.int("--count", atLeast: 1) ?? prompts.count
    guard count <= prompts.count else {
        throw UsageError("--count \(count) exceeds the \(prompts.count) prompts of \(prompts.path)")
    }
    let path = try args.string("--model") ?? DefaultModel.path()
    let (configuration, store) = try ModelFile.read(path)
    let side = configuration.imageSize
    guard prompts.layout.size == side else {
        throw UsageError("the prompts are \(prompts.layout.size)px canvases but the model takes \(side)px")
    }
    // Both precisions' forward passes and decoded images of the whole batch are live at once.
    var budget = MemoryBudget()
    budget.add(
        "--count", count, count: count,
        of: 2 * (MemoryCost.forwardSample(configuration) + MemoryCost.decodedImage(side: side))
            + MemoryCost.canvas(side: side),
        for: "the prompts' canvases, and both precisions' forward passes and decoded images")
    try budget.check()
    let report = try PrecisionBenchmark.run(
        PrecisionBenchmark.Settings(
            configuration: configuration, weights: store, modelPath: path, prompts: prompts, task: task, count: count,
            mode: mode))
    report.lines.forEach { print($0) }
    return 0
}
