import Distributed
import Foundation
import Model
import Prompts
import Search
import Storage

/// What `vtv collect` does (`runCollect`): per task, the statistics of every head output over the
/// task's prompts, written to an activations file.
public struct CollectSettings {
    /// The model file.
    public var model: String
    public var prompts: PromptInput
    public var tasks: [PromptTask]
    /// Prompts per forward pass.
    public var batch: Int
    /// Collect each task over its `selectBest` best one-shot prompts of the selected ones (the
    /// pool), as the published code curates its task means; nil: over every selected prompt.
    public var selectBest: Int?
    /// The activations file to write.
    public var out: String
    /// Also store every prompt's head outputs (docs/formats.md, "Per-prompt outputs").
    public var perPrompt: Bool
    /// Deflate level 0...9 of the per-prompt rows, or nil for none.
    public var perPromptGzip: Int?

    public init(
        model: String, prompts: PromptInput, tasks: [PromptTask], batch: Int = 8, selectBest: Int? = nil, out: String,
        perPrompt: Bool = false, perPromptGzip: Int? = nil
    ) {
        self.model = model
        self.prompts = prompts
        self.tasks = tasks
        self.batch = batch
        self.selectBest = selectBest
        self.out = out
        self.perPrompt = perPrompt
        self.perPromptGzip = perPromptGzip
    }
}

/// What a collection wrote (rank 0).
public struct CollectReport {
    /// The activations file.
    public var out: String
    public var statistics: [String: TaskStatistics]
    /// How each task's prompts were chosen, with `selectBest`.
    public var curations: [String: PromptCuration]
    public var seconds: Double
}

/// The collection stage, on every rank of `world`: prompts are split across ranks in contiguous
/// blocks and the statistics combined exactly (`TaskCollection`); rank 0 writes `settings.out`
/// (docs/formats.md, "Activations file") and returns the report, the other ranks nil.
public func runCollect(_ settings: CollectSettings, world: Communicator) throws -> CollectReport? {
    let batch = settings.batch, best = settings.selectBest, tasks = settings.tasks, perPrompt = settings.perPrompt
    if settings.perPromptGzip != nil && !perPrompt { throw UsageError("--per-prompt-gzip goes with --per-prompt") }
    let model = try LoadedModel(
        path: settings.model, parts: best == nil ? .mae : [.mae, .vqganDecoder], sharing: try .forStage(world))
    let selection = try settings.prompts.open(tasks, model.configuration.imageSize)
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
    if perPrompt {
        budget.add(
            "--per-prompt", "", count: world.size + 1, of: Double(PerPromptOutputs.bytesPerPrompt(c)),
            for: "a round of per-prompt outputs, one from each of \(world.size) rank(s), gathered on rank 0")
    }
    try budget.check(limit: try MemoryBudget.agreedLimit(world))
    let collector = ActivationCollector(model: try model.mae(), batchSize: batch)
    let started = Date()
    // With per-prompt outputs rank 0 writes the file as the prompts stream in, and completes it at the end.
    let file = perPrompt && world.isRoot ? try HDF5File.create(settings.out) : nil
    let streams: TaskCollection.PerPromptStreams? =
        perPrompt
        ? {
            try PerPromptStream(
                world: world, root: file?.root, task: $0, count: $1, configuration: c,
                gzipLevel: settings.perPromptGzip)
        } : nil
    let collection: TaskCollection
    if let best {
        world.log(
            "collect: the best \(best) of \(selection.indices.count) prompts x \(tasks.count) tasks on \(world.size) rank(s), batch \(batch)"
        )
        let evaluator = PromptEvaluator(model: try model.mae(), decoder: try model.vqganDecoder(), batchSize: batch)
        collection = try TaskCollection.best(
            best, of: selection, tasks: tasks, evaluator: evaluator,
            collector: collector, world: world, perPrompt: streams)
    } else {
        world.log(
            "collect: \(selection.indices.count) prompts x \(tasks.count) tasks on \(world.size) rank(s), batch \(batch)"
        )
        collection = try TaskCollection.plain(
            selection, tasks: tasks, collector: collector, world: world, perPrompt: streams)
    }
    guard world.isRoot else { return nil }
    let activations = ActivationsFile(
        configuration: model.configuration, modelHash: model.hash, tasks: collection.statistics,
        curations: collection.curations)
    if let file {
        try activations.write(into: file)
        try file.commit()
    } else {
        try activations.write(to: settings.out)
    }
    return CollectReport(
        out: settings.out, statistics: collection.statistics, curations: collection.curations,
        seconds: Date().timeIntervalSince(started))
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
