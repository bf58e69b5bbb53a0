import Distributed
import Foundation
import Model
import Prompts
import Search

/// `vtv collect`: per-task mean and variance of every head output over one-shot prompts.
let collectCommand = Command(
    name: "collect",
    summary: "record every head output over one-shot prompts; per-task mean and variance to HDF5",
    discussion: """
    Runs the one-shot prompt of each selected task through the model, recording every attention
    head's output o (before the output projection) at every layer and token, and accumulates the mean
    and variance per task in float64. Prompts are split across MPI ranks in contiguous blocks and the
    statistics combined exactly; rank 0 writes the file (docs/formats.md, "Activations file").
    """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--tasks", "LIST", "comma-separated tasks, 'base' (the five) or 'all'", default: "base"),
        .value("--batch", "B", "prompts per forward pass, at least 1", default: "8"),
        .value("--out", "A.h5", "the activations file to write", required: true),
    ] + promptSelectionOptions,
    distributed: true
) { args in
    let world = Communicator.world
    let batch = try args.int("--batch", atLeast: 1)!
    let tasks = try parseTasks(args)
    let model = try LoadedModel(path: try args.required("--model"), parts: .mae,
                                sharing: try WeightSharing.forDistributedCommand())
    let selection = try openPromptSelection(args, tasks: tasks, canvasSize: model.configuration.imageSize)
    try model.checkCanvas(selection)
    // Each sample of a batch records every head output of both stacks before they are accumulated.
    var budget = MemoryBudget()
    let c = model.configuration
    let largestShare = (selection.indices.count + world.size - 1) / world.size
    budget.add("--batch", batch, count: min(batch, largestShare), of: MemoryCost.forwardSample(c) + MemoryCost.recordedSample(c),
               for: "one batch of forward passes and their recorded head outputs")
    try budget.check(limit: try MemoryBudget.agreedLimit(world))
    let collector = ActivationCollector(model: try model.mae(), batchSize: batch)
    let mine = Array(selection.share(of: world))
    world.log("collect: \(selection.indices.count) prompts x \(tasks.count) tasks on \(world.size) rank(s), batch \(batch)")

    // Names by content, so that collections of other roles or sources merge unless they share a prompt.
    let identities = Dictionary(uniqueKeysWithValues: try mine.map { ($0, try selection.source.identity(of: $0)) })
    var statistics: [String: TaskStatistics] = [:]
    let progress = ProgressReporter("collect", total: mine.count * tasks.count, communicator: world)
    let started = Date()
    for (t, task) in tasks.enumerated() {
        let local = try collector.collect(
            mine, canvas: { try selection.source.canvas($0, task: task).values },
            identity: { identities[$0]! },
            progress: { progress.update(t * mine.count + $0, detail: task.rawValue) })
        statistics[task.rawValue] = try local.combined(over: world)
    }
    if world.isRoot {
        let out = try args.required("--out")
        try ActivationsFile(configuration: model.configuration, modelHash: model.hash, tasks: statistics).write(to: out)
        print("wrote \(out): \(tasks.count) tasks, \(selection.indices.count) prompts each, in "
              + String(format: "%.1f s", Date().timeIntervalSince(started)))
    }
    return 0
}
