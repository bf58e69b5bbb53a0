import Distributed
import Figures
import Foundation
import Imaging
import Model
import Outputs
import Prompts
import Search

/// The paper's evaluation protocol on one model (docs/paper.md#protocol), as `vtv protocol` runs it:
/// for each fold f, task means from the best one-shot prompts of the other folds' classes, one
/// search per task on those classes, and an evaluation of fold f's own classes in the three
/// conditions; then one table pooling every fold.
///
/// Files, all under `folder`:
///
///     protocol.json, protocol.md, protocol.png   the table (`ProtocolReport`) and its figure
///     fold<F>/activations.h5                     the curated task means (`vtv collect --select-best`)
///     fold<F>/search/                            the searches: a sweep's folder (`vtv sweep`)
///     fold<F>/eval/                              the evaluation's report folder (`vtv eval`)
public struct ProtocolJob {
    /// The model file; nil: the embedded default model (`DefaultModel`).
    public var model: String?
    public var prompts: ProtocolPrompts
    public var promptSeed: UInt64
    public var folds: [Int]
    public var tasks: [PromptTask]
    /// Collection pool per fold, and the best one-shot prompts kept from it for each task mean.
    public var pool: Int
    public var selectBest: Int
    /// Evaluation episodes per fold.
    public var episodes: Int
    /// Every search's settings (the task varies; `batchSize` is used only when `searchBatch` is set).
    public var search: SearchSettings
    /// Masks per forward pass, or nil to choose per group as `--batch auto` does.
    public var searchBatch: Int?
    public var final: FinalSelection.Rule
    /// Prompts per forward pass in the collection and the evaluation.
    public var batch: Int
    /// Prompts per task in each fold's grid.png.
    public var grid: Int
    public var checkpointEvery: Int
    public var resume: Bool
    public var folder: String

    public static let files = ["protocol.json", "protocol.md", "protocol.png"]

    public func foldFolder(_ fold: Int) -> String { OutputFolder.file("fold\(fold)", in: folder) }
    public func activations(_ fold: Int) -> String { OutputFolder.file("activations.h5", in: foldFolder(fold)) }
    public func searchFolder(_ fold: Int) -> String { OutputFolder.file("search", in: foldFolder(fold)) }
    public func evalFolder(_ fold: Int) -> String { OutputFolder.file("eval", in: foldFolder(fold)) }

    /// One search per task with the shared settings.
    public var runs: [SweepRun] {
        tasks.map {
            SweepRun(
                task: $0.rawValue, seed: Int(search.seed), granularity: search.granularity, reward: search.reward,
                stacks: search.stacks)
        }
    }

    /// Fold `fold`'s searches, on `prompts` with the model at `model`.
    public func sweep(_ fold: Int, model: String, prompts: PromptSelection) -> SweepJob {
        SweepJob(
            model: model, prompts: .selection(prompts), runs: runs, base: search, batchSize: searchBatch, final: final,
            activations: activations(fold),
            checkpointEvery: checkpointEvery, resume: resume, folder: searchFolder(fold))
    }

    /// The files of `run` among fold `fold`'s searches.
    public func outputs(_ run: SweepRun, fold: Int) -> SearchOutputs {
        SearchOutputs(out: searchFolder(fold) + "/" + run.name + ".h5", task: run.task)
    }

    /// Every folder the protocol writes into, with the files it writes there (for `OutputPlan`).
    public var outputFolders: [(folder: String, files: [String])] {
        var folders: [(String, [String])] = [(folder, Self.files)]
        for fold in folds {
            folders.append((foldFolder(fold), ["activations.h5"]))
            folders.append(
                (
                    searchFolder(fold),
                    SweepSummary.files
                        + runs.flatMap {
                            [
                                $0.name + ".h5", $0.name + ".json",
                                $0.name + ".checkpoint.h5"
                            ]
                        }
                ))
            folders.append((evalFolder(fold), ReportFolder.evaluationFiles))
        }
        return folders
    }

    public var setup: ProtocolReport.Setup {
        ProtocolReport.Setup(
            source: prompts.description, promptSeed: promptSeed, folds: folds, episodes: episodes,
            pool: pool, selectBest: selectBest, search: search, finalSelection: final)
    }

    public init(
        model: String?, prompts: ProtocolPrompts, promptSeed: UInt64, folds: [Int], tasks: [PromptTask], pool: Int,
        selectBest: Int,
        episodes: Int, search: SearchSettings, searchBatch: Int?, final: FinalSelection.Rule, batch: Int, grid: Int,
        checkpointEvery: Int, resume: Bool, folder: String
    ) {
        self.model = model
        self.prompts = prompts
        self.promptSeed = promptSeed
        self.folds = folds
        self.tasks = tasks
        self.pool = pool
        self.selectBest = selectBest
        self.episodes = episodes
        self.search = search
        self.searchBatch = searchBatch
        self.final = final
        self.batch = batch
        self.grid = grid
        self.checkpointEvery = checkpointEvery
        self.resume = resume
        self.folder = folder
    }
}

/// What the protocol came to: the table on rank 0 (nil elsewhere, and when stopped), and whether a
/// signal stopped a search (every rank knows).
public struct ProtocolResult {
    public var report: ProtocolReport?
    public var stopped: Bool
}

/// Runs `job` on every rank of `world`. Each fold's steps run in order, each on all ranks: the
/// collection (prompts scored and collected in contiguous blocks per rank), the searches (a sweep:
/// the ranks split into groups, one search each), the evaluation (prompts in blocks per rank).
/// Rank 0 writes every file and prints the progress. With `job.resume`, a step whose files exist is
/// skipped once rank 0 has checked that they belong to this study (model, prompts, sizes), and
/// unfinished searches continue from their checkpoints. A signal (SIGTERM, SIGINT) stops the
/// searches at their next iteration with their checkpoints written, or the protocol at the end of the
/// step under way, and the result says so.
public func runProtocol(_ job: ProtocolJob, world: Communicator) throws -> ProtocolResult {
    let model = try LoadedModel(path: try job.model ?? DefaultModel.path(), parts: .all, sharing: try .forStage(world))
    world.log(
        "protocol: folds \(job.folds.map(String.init).joined(separator: ",")) x \(job.tasks.count) tasks of "
            + "\(job.prompts.description) on \(world.size) rank(s) into \(job.folder)")
    let layout = CanvasLayout(size: model.configuration.imageSize)
    // A signal sets a flag that the searches poll between iterations and the protocol between steps.
    StopSignal.install()
    func stopRequested() throws -> Bool { try world.allreduce(StopSignal.received ? 1 : 0, .max) == 1 }
    var evaluations: [(fold: Int, report: EvaluationReport)] = []
    let steps = job.folds.count * 3
    func announce(_ fold: Int, _ step: Int, _ text: String) {
        world.log("protocol: fold \(fold), step \(job.folds.firstIndex(of: fold)! * 3 + step) of \(steps): \(text)")
    }
    // Sizes that could not fit are refused before any set is opened: each step holds a rank's share
    // of its prompts as an evaluation does (the pool is scored one-shot, the episodes in 3 modes).
    for (option, count, modes) in [("--pool", job.pool, 1), ("--episodes", job.episodes, EvaluationMode.allCases.count)]
    {
        try evalMemoryBudget(
            model.configuration, batch: job.batch, prompts: count, ranks: world.size, grid: job.grid,
            tasks: job.tasks.count, modes: modes, promptsOption: option
        )
        .check(limit: try MemoryBudget.agreedLimit(world))
    }
    // Every set of every fold is opened first, so a missing split list or image stops the study
    // before hours of work rather than in its last fold.
    let sets = try job.folds.map { fold in
        (
            pool: try openSet(job, .collect, fold: fold, count: job.pool, layout: layout),
            train: try openSet(
                job, .train, fold: fold, count: job.search.trainPrompts + job.search.evalPrompts, layout: layout),
            episodes: try openSet(job, .eval, fold: fold, count: job.episodes, layout: layout)
        )
    }
    for (fold, (pool, train, episodes)) in zip(job.folds, sets) {
        if world.isRoot { try OutputFolder.create(job.foldFolder(fold)) }
        try world.barrier()

        // 1. The curated task means.
        try model.checkCanvas(pool)
        if try skip(job, { try checkActivations(job, fold: fold, pool: pool, model: model) }, world: world) {
            announce(fold, 1, "task means already in \(job.activations(fold))")
        } else {
            announce(
                fold, 1,
                "task means over the best \(job.selectBest) of \(job.pool) one-shot prompts of folds "
                    + ProtocolPrompts.folds(.collect, fold: fold).map(String.init).joined(separator: ",") + " per task")
            try checkSelectBest(job.selectBest, pool: pool)
            let evaluator = PromptEvaluator(
                model: try model.mae(), decoder: try model.vqganDecoder(), batchSize: job.batch)
            let collector = ActivationCollector(model: try model.mae(), batchSize: job.batch)
            let collection = try TaskCollection.best(
                job.selectBest, of: pool, tasks: job.tasks, evaluator: evaluator,
                collector: collector, world: world)
            if world.isRoot {
                try ActivationsFile(
                    configuration: model.configuration, modelHash: model.hash, tasks: collection.statistics,
                    curations: collection.curations
                ).write(to: job.activations(fold))
            }
            try world.barrier()
        }
        if try stopRequested() { return ProtocolResult(report: nil, stopped: true) }

        // 2. One search per task: a sweep, which skips finished searches and resumes the others.
        let sweep = job.sweep(fold, model: model.path, prompts: train)
        announce(
            fold, 2,
            "\(sweep.runs.count) searches on \(train.indices.count) prompts of folds "
                + ProtocolPrompts.folds(.train, fold: fold).map(String.init).joined(separator: ","))
        if world.isRoot { try OutputFolder.create(sweep.folder) }
        try world.barrier()
        let searched = try Pipeline.sweep(sweep, model: model, prompts: train, world: world)
        if world.isRoot { try SweepSummary(sweep, result: searched, ranks: world.size).write(folder: sweep.folder) }
        if searched.stopped { return ProtocolResult(report: nil, stopped: true) }

        // 3. The evaluation of the fold's own classes.
        let reportPath = OutputFolder.file("report.json", in: job.evalFolder(fold))
        if try skip(job, { try checkEvaluation(job, path: reportPath, episodes: episodes, model: model) }, world: world)
        {
            announce(fold, 3, "evaluation already in \(job.evalFolder(fold))")
        } else {
            announce(fold, 3, "evaluation on \(job.episodes) episodes of fold \(fold)")
            var vectors: [String: TaskVectors] = [:], files: [String: String] = [:]
            for run in sweep.runs {
                let path = sweep.outputs(run).taskVectors[0]
                vectors[run.task] = try model.taskVectors(path, granularity: job.search.patchGranularity)
                files[run.task] = path
            }
            let evaluation = EvaluationJob(
                selection: episodes, tasks: job.tasks, vectors: vectors, vectorFiles: files,
                batch: job.batch, gridCount: job.grid, out: job.evalFolder(fold),
                label: "protocol: fold \(fold) eval")
            _ = try evaluate(evaluation, model: model, world: world)
            try world.barrier()
        }
        if world.isRoot { evaluations.append((fold, try readEvaluation(reportPath))) }
        if try stopRequested() { return ProtocolResult(report: nil, stopped: true) }
    }
    guard world.isRoot else { return ProtocolResult(report: nil, stopped: false) }

    let report = try ProtocolReport(
        model: .init(path: model.path, hash: model.hash), setup: job.setup, ranks: world.size,
        folds: evaluations)
    let figure = try protocolFigure(job, fold: job.folds[0], model: model, layout: layout)
    try Publication.together {
        try StagedFile.write(try report.jsonData(), to: OutputFolder.file(ProtocolJob.files[0], in: job.folder))
        try StagedFile.write(Data(report.markdown().utf8), to: OutputFolder.file(ProtocolJob.files[1], in: job.folder))
        try StagedFile.write(
            Data(try ImageFile.encodePNG(figure, name: ProtocolJob.files[2])),
            to: OutputFolder.file(ProtocolJob.files[2], in: job.folder))
    }
    return ProtocolResult(report: report, stopped: false)
}

/// Whether a step can be skipped: with `job.resume`, rank 0 runs `check` (true: the step's files
/// exist and belong to this study; it throws when they exist but do not) and every rank learns the answer.
private func skip(_ job: ProtocolJob, _ check: () throws -> Bool, world: Communicator) throws -> Bool {
    var flag: [UInt8] = [0]
    if world.isRoot, job.resume, try check() { flag[0] = 1 }
    try world.broadcast(&flag)
    return flag[0] == 1
}

/// The prompts of one set, which must hold every task.
private func openSet(
    _ job: ProtocolJob, _ set: ProtocolPrompts.PromptSet, fold: Int, count: Int,
    layout: CanvasLayout
) throws -> PromptSelection {
    let selection = try job.prompts.open(set, fold: fold, count: count, promptSeed: job.promptSeed, layout: layout)
    try selection.source.requireTasks(job.tasks)
    return selection
}

/// Refuses a selection larger than the pool can give once duplicate supports and queries are
/// dropped (`BestPrompts.largestSelection`), before anything is scored.
private func checkSelectBest(_ count: Int, pool: PromptSelection) throws {
    let records = try pool.indices.map { try pool.source.prompt($0) }
    let most = BestPrompts.largestSelection(queries: records.map(\.query), supports: records.map(\.support))
    guard count <= most else {
        throw UsageError(
            "--select-best \(count) asks for more prompts than the pool of \(records.count) can give (at most \(most) "
                + "once one prompt per query and per support is kept); lower --select-best or raise --pool")
    }
}

/// Whether fold's activations file exists and holds this study's task means: the model, every task,
/// each curated from this pool with this --select-best. Throws when it exists but does not.
private func checkActivations(_ job: ProtocolJob, fold: Int, pool: PromptSelection, model: LoadedModel) throws -> Bool {
    let path = job.activations(fold)
    guard FileManager.default.fileExists(atPath: path) else { return false }
    let file = try model.activations(path)
    for task in job.tasks {
        guard let curation = file.curations[task.rawValue], file.tasks[task.rawValue] != nil else {
            throw ProtocolResumeError(path: path, reason: "it has no curated task means of '\(task.rawValue)'")
        }
        guard curation.requested == job.selectBest, curation.poolOrigin == pool.source.origin,
            curation.poolScores.count == pool.indices.count
        else {
            throw ProtocolResumeError(
                path: path,
                reason: "its '\(task.rawValue)' means are the best \(curation.requested) of "
                    + "\(curation.poolScores.count) prompts of \(curation.poolOrigin), not the best "
                    + "\(job.selectBest) of \(pool.indices.count) of \(pool.source.origin)")
        }
    }
    return true
}

/// Whether fold's evaluation report exists and evaluates these episodes of this model for every task
/// with task vectors. Throws when it exists but does not.
private func checkEvaluation(_ job: ProtocolJob, path: String, episodes: PromptSelection, model: LoadedModel) throws
    -> Bool
{
    guard FileManager.default.fileExists(atPath: path) else { return false }
    let report = try readEvaluation(path)
    guard report.model.hash == model.hash else {
        throw ProtocolResumeError(path: path, reason: "it evaluates model \(report.model.hash), not \(model.hash)")
    }
    guard report.prompts.origin == episodes.source.origin, report.prompts.indices == episodes.indices else {
        throw ProtocolResumeError(
            path: path,
            reason: "it evaluates \(report.prompts.indices.count) prompts of "
                + "\(report.prompts.origin), not \(episodes.indices.count) of \(episodes.source.origin)")
    }
    guard report.tasks.map(\.task) == job.tasks.map(\.rawValue), report.tasks.allSatisfy({ $0.taskVectors != nil })
    else {
        throw ProtocolResumeError(
            path: path,
            reason: "it evaluates " + report.tasks.map(\.task).joined(separator: ",")
                + ", not every task of --tasks with its task vectors")
    }
    return true
}

private func readEvaluation(_ path: String) throws -> EvaluationReport {
    do {
        return try EvaluationReport.decode(try Data(contentsOf: URL(fileURLWithPath: path)))
    } catch {
        throw ProtocolResumeError(path: path, reason: "it cannot be read as a vtv eval report (\(error))")
    }
}

/// A step's file left by an earlier run that is not this study's: resuming would mix two studies.
public struct ProtocolResumeError: Error, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String {
        "--resume: \(path) is not this study's: \(reason); remove it (or give another --out) to compute it again"
    }
}

/// Short task names that fit a figure column.
private let figureNames: [PromptTask: String] = [
    .segmentation: "segment", .lowlightEnhance: "low-light", .inpaint: "inpaint",
    .colorization: "colorize", .identity: "identity"
]

/// protocol.png: the first evaluation episode of `fold` for each task (columns), its query, the
/// answer quadrant predicted in each condition and the target (rows). Rank 0 only.
private func protocolFigure(_ job: ProtocolJob, fold: Int, model: LoadedModel, layout: CanvasLayout) throws -> Image8 {
    let episodes = try job.prompts.open(.eval, fold: fold, count: 1, promptSeed: job.promptSeed, layout: layout)
    let evaluator = PromptEvaluator(model: try model.mae(), decoder: try model.vqganDecoder(), batchSize: 1)
    var columns: [ProtocolFigureColumn] = []
    for (run, task) in zip(job.runs, job.tasks) {
        let canvas = try episodes.source.canvas(episodes.indices[0], task: task).values
        let target = Metrics.targetImage(canvas: canvas, height: layout.size, width: layout.size)
        let patches = try model.taskVectors(
            job.outputs(run, fold: fold).taskVectors[0], granularity: job.search.patchGranularity
        )
        .patchSet()
        var predictions: [EvaluationMode: Image8] = [:]
        for mode in EvaluationMode.allCases {
            let image = try evaluator.predictions(
                canvases: [canvas], mode: mode.promptMode,
                patches: mode == .taskVectors ? patches : nil)[0]
            predictions[mode] = CanvasQuadrants.answer(image, layout: layout)
        }
        columns.append(
            ProtocolFigureColumn(
                title: "\(figureNames[task] ?? task.rawValue) " + (task.metric == .segmentationIoU ? "mIoU" : "MSE"),
                query: CanvasQuadrants.query(target, layout: layout), predictions: predictions,
                target: CanvasQuadrants.answer(target, layout: layout)))
    }
    return try protocolGridFigure(columns, title: "vtv protocol: fold \(fold), episode 0 of each task")
}
