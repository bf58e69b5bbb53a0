import Distributed
import Foundation
import Model
import Pipeline
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
        Without --select-best every task's mean is over the selected prompts as given (what `vtv demo`
        and the model card's task means use today).
        --select-best N curates each task's mean as the published code does: the selected prompts are a
        pool; each is scored one-shot (the decoded prediction against its answer, IoU for segmentation,
        normalized MSE otherwise), sorted by score, smallest first; duplicates of a support image and then
        of a query image are dropped keeping the smaller score (for IoU the worse prompt: a quirk of the
        published code, reproduced); the rest is ranked best first and the first N are collected, one
        episode each. The published numbers: a pool of 3000 training prompts (1000 of each of three
        PASCAL-5i training folds) and N = 100 (docs/formats.md, "Curated task means"). The scoring is
        spread over ranks like the collection, and the choice does not depend on the number of ranks.
        The chosen prompts, their one-shot scores and every pool prompt's score are stored with the task.
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--tasks", "LIST", "comma-separated tasks, 'base' (the five) or 'all'", default: "base"),
        .value("--batch", "B", "prompts per forward pass, at least 1", default: "8"),
        .value(
            "--select-best", "N",
            "collect each task over the N best one-shot prompts of the selected ones (the "
                + "pool), 1 <= N <= the pool's size; published: 100 of 3000"),
        .value("--out", "A.h5", "the activations file to write", required: true)
    ] + promptSelectionOptions,
    distributed: true
) { args in
    let world = Communicator.world
    let batch = try args.int("--batch", atLeast: 1)!
    let best = try args.int("--select-best", atLeast: 1, why: "the number of prompts each task's mean is taken over")
    let tasks = try parseTasks(args)
    let model = try LoadedModel(
        path: try args.required("--model"), parts: best == nil ? .mae : [.mae, .vqganDecoder],
        sharing: try WeightSharing.forDistributedCommand())
    let selection = try openPromptSelection(args, tasks: tasks, canvasSize: model.configuration.imageSize)
    try model.checkCanvas(selection)
    if let best { try checkSelectBest(best, pool: selection) }
    // Each sample of a batch records every head output of both stacks before they are accumulated;
    // when selecting, a batch is also decoded and every rank holds the pool's names and scores.
    var budget = MemoryBudget()
    let c = model.configuration
    let largestShare = (selection.indices.count + world.size - 1) / world.size
    budget.add(
        "--batch", batch, count: min(batch, largestShare),
        of: MemoryCost.forwardSample(c) + MemoryCost.recordedSample(c)
            + (best == nil ? 0 : MemoryCost.decodedImage(side: c.imageSize)),
        for: "one batch of forward passes and their recorded head outputs")
    if best != nil {
        budget.add(
            "--count", selection.indices.count, count: selection.indices.count, of: 128 + 8 * Double(tasks.count),
            for: "the pool's image names and one-shot scores")
    }
    try budget.check(limit: try MemoryBudget.agreedLimit(world))
    let collector = ActivationCollector(model: try model.mae(), batchSize: batch)
    let started = Date()
    let collection: TaskCollection
    if let best {
        world.log(
            "collect: the best \(best) of \(selection.indices.count) prompts x \(tasks.count) tasks on \(world.size) rank(s), batch \(batch)"
        )
        let evaluator = PromptEvaluator(model: try model.mae(), decoder: try model.vqganDecoder(), batchSize: batch)
        collection = try TaskCollection.best(
            best, of: selection, tasks: tasks, evaluator: evaluator,
            collector: collector, world: world)
    } else {
        world.log(
            "collect: \(selection.indices.count) prompts x \(tasks.count) tasks on \(world.size) rank(s), batch \(batch)"
        )
        collection = try TaskCollection.plain(selection, tasks: tasks, collector: collector, world: world)
    }
    if world.isRoot {
        let out = try args.required("--out")
        try ActivationsFile(
            configuration: model.configuration, modelHash: model.hash, tasks: collection.statistics,
            curations: collection.curations
        ).write(to: out)
        let counts = Set(collection.statistics.values.map(\.count)).sorted().map(String.init).joined(separator: " to ")
        print(
            "wrote \(out): \(tasks.count) tasks, \(counts) prompts each, in "
                + String(format: "%.1f s", Date().timeIntervalSince(started)))
        for task in tasks {
            if let curation = collection.curations[task.rawValue] { print("  \(task.rawValue): \(curation.summary)") }
        }
    }
    return 0
}

/// Refuses a --select-best larger than the pool, or than the prompts that can survive the removal of
/// duplicate supports and queries (`BestPrompts.largestSelection`), before anything is scored.
private func checkSelectBest(_ count: Int, pool: PromptSelection) throws {
    let size = pool.indices.count
    guard count <= size else {
        throw OptionRange.integers(1...size).error(
            "--select-best", got: "\(count)",
            why: "the pool is the \(size) prompt(s) selected by --prompts or --source, --role and --count")
    }
    let records = try pool.indices.map { try pool.source.prompt($0) }
    let most = BestPrompts.largestSelection(queries: records.map(\.query), supports: records.map(\.support))
    guard count <= most else {
        throw UsageError(
            "--select-best \(count) asks for more prompts than the pool can give: its \(size) prompts have "
                + "\(Set(records.map(\.query)).count) distinct queries and \(Set(records.map(\.support)).count) distinct "
                + "supports, and at most one prompt per query and per support is kept; lower --select-best or "
                + "enlarge the pool (--count)")
    }
}
