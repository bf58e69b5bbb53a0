import Distributed
import Figures
import Foundation
import Imaging
import Model
import Prompts
import Search

/// One evaluation as `vtv eval` parses it and as `vtv protocol` makes it once per fold: the prompts,
/// the tasks, their task vectors (none: one-shot and zero-shot only) and the report folder.
public struct EvaluationJob {
    public var selection: PromptSelection
    public var tasks: [PromptTask]
    /// Task vectors by task name; empty, or one for every task.
    public var vectors: [String: TaskVectors] = [:]
    /// The file each task's vectors came from, when they came from one.
    public var vectorFiles: [String: String] = [:]
    public var batch: Int
    /// Prompts per task shown in grid.png (0: no figure).
    public var gridCount: Int
    /// The report folder (`ReportFolder.evaluationFiles`).
    public var out: String
    /// The name of the progress line and the log.
    public var label: String = "eval"
    /// With task vectors: the task whose one-shot prompts every task's vectors are also patched into
    /// (`evaluateOneShotPatched`); nil: none.
    public var oneShotPatchInto: PromptTask?

    public var modes: [EvaluationMode] { vectors.isEmpty ? [.oneShot, .zeroShot] : EvaluationMode.allCases }

    public init(
        selection: PromptSelection, tasks: [PromptTask], vectors: [String: TaskVectors] = [:],
        vectorFiles: [String: String] = [:], batch: Int, gridCount: Int, out: String,
        label: String = "eval", oneShotPatchInto: PromptTask? = nil
    ) {
        self.label = label
        self.oneShotPatchInto = oneShotPatchInto
        self.selection = selection
        self.tasks = tasks
        self.vectors = vectors
        self.vectorFiles = vectorFiles
        self.batch = batch
        self.gridCount = gridCount
        self.out = out
    }
}

/// Runs `job` on every rank of `world`: each task's prompts in one-shot, zero-shot and (with task
/// vectors) zero-shot + TV mode, scored as the published code scores them (docs/paper.md#metrics).
/// Prompts are split across ranks in contiguous blocks and gathered in prompt order, so the metrics do
/// not depend on the number of ranks. Rank 0 writes report.json, report.md and (with a grid)
/// grid.png into `job.out`, all together, and returns the report; the other ranks return nil.
func evaluate(_ job: EvaluationJob, model: LoadedModel, world: Communicator) throws -> EvaluationReport? {
    let selection = job.selection, tasks = job.tasks, modes = job.modes, gridCount = job.gridCount
    try model.checkCanvas(selection)
    try evalMemoryBudget(
        model.configuration, batch: job.batch, prompts: selection.indices.count, ranks: world.size,
        grid: gridCount, tasks: tasks.count, modes: modes.count, oneShotPatched: job.oneShotPatchInto != nil
    )
    .check(limit: try MemoryBudget.agreedLimit(world))
    let evaluator = PromptEvaluator(model: try model.mae(), decoder: try model.vqganDecoder(), batchSize: job.batch)
    let side = model.configuration.imageSize
    let layout = CanvasLayout(size: side)
    let count = selection.indices.count
    let mine = selection.share(of: world)
    let myStart = shard(count, rank: world.rank, of: world.size).lowerBound
    world.log(
        "\(job.label): \(count) prompts x \(tasks.count) tasks x \(modes.count) modes on \(world.size) rank(s), batch \(job.batch)"
    )

    // This rank's results (`EvaluationGathers`): its prompts' metrics, seconds and figure crops.
    var local = EvaluationGathers.Results(
        metrics: [[[Double]]](repeating: [], count: tasks.count),
        seconds: [[[Double]]](repeating: [], count: tasks.count),
        crops: [[[[UInt8]]]](repeating: [], count: tasks.count))
    let progress = ProgressReporter(job.label, total: tasks.count * modes.count * mine.count, communicator: world)
    var done = 0
    for (t, task) in tasks.enumerated() {
        let canvases = try mine.map { try selection.source.canvas($0, task: task).values }
        let targets = canvases.map { Metrics.targetImage(canvas: $0, height: side, width: side) }
        var shown: [[[UInt8]]] = Array(repeating: [], count: mine.count)
        for mode in modes {
            let patches = mode == .taskVectors ? job.vectors[task.rawValue]!.patchSet() : nil
            let started = Date()
            let images = try evaluator.predictions(canvases: canvases, mode: mode.promptMode, patches: patches)
            local.metrics[t].append(zip(targets, images).map { task.metric.evaluate(target: $0, prediction: $1) })
            local.seconds[t].append([Date().timeIntervalSince(started)])
            for (j, image) in images.enumerated() where myStart + j < gridCount {
                shown[j].append(CanvasQuadrants.answer(image, layout: layout).pixels)
            }
            done += mine.count
            progress.update(done, detail: "\(task.rawValue) \(mode.title)")
        }
        local.crops[t] = shown.filter { !$0.isEmpty }
    }

    let oneShotPatched = try job.oneShotPatchInto.map {
        try evaluateOneShotPatched(job, into: $0, evaluator: evaluator, mine: mine, side: side, world: world)
    }
    let flat = EvaluationGathers.flatten(local)
    let allMetrics = try world.gather(flat.metrics)
    let allSeconds = try world.gather(flat.seconds)
    let allCrops = try world.gather(flat.crops)
    guard world.isRoot, let allMetrics, let allSeconds, let allCrops else { return nil }

    let gathered = EvaluationGathers.reassemble(
        metrics: allMetrics, seconds: allSeconds, crops: allCrops, count: count, ranks: world.size,
        tasks: tasks.count, modes: modes.count, gridCount: gridCount, cropBytes: layout.quadrant * layout.quadrant * 3)
    let perPrompt = gathered.metrics, rankSeconds = gathered.seconds
    let figureCrops = gathered.crops.map { prompts in
        prompts.map { crops in
            crops.map { Image8(width: layout.quadrant, height: layout.quadrant, channels: 3, pixels: $0) }
        }
    }

    let target = PromptProvenance(identities: try selection.indices.map { try selection.source.identity(of: $0) })
    let taskResults = tasks.indices.map { t in
        EvaluationReport.TaskResult(
            task: tasks[t].rawValue, metric: tasks[t].metric,
            taskVectors: job.vectors[tasks[t].rawValue].map {
                EvaluationReport.TaskVectorsInfo(
                    $0, file: job.vectorFiles[tasks[t].rawValue], evaluatedModelHash: model.hash, target: target)
            },
            modes: Dictionary(
                uniqueKeysWithValues: modes.indices.map { m in
                    (modes[m], EvaluationReport.ModeResult(perPrompt: perPrompt[t][m], rankSeconds: rankSeconds[t][m]))
                }))
    }
    let report = EvaluationReport(
        model: .init(path: model.path, hash: model.hash),
        prompts: .init(
            origin: selection.source.origin, role: selection.role, indices: selection.indices,
            names: selection.indices.map { promptName(selection.source, $0) }, provenance: target),
        ranks: world.size, batch: job.batch, flops: .init(configuration: model.configuration), tasks: taskResults,
        oneShotPatched: oneShotPatched ?? nil)
    var files = ["report.json": try report.jsonData(), "report.md": Data(report.markdown().utf8)]
    if gridCount > 0 {
        var rows: [EvaluationFigureRow] = []
        for (t, task) in tasks.enumerated() {
            for (j, predictions) in figureCrops[t].enumerated() {
                let index = selection.indices[j]
                let canvas = Metrics.targetImage(
                    canvas: try selection.source.canvas(index, task: task).values,
                    height: side, width: side)
                rows.append(
                    EvaluationFigureRow(
                        title: "\(task.rawValue) #\(index)", query: CanvasQuadrants.query(canvas, layout: layout),
                        predictions: Dictionary(uniqueKeysWithValues: zip(modes, predictions)),
                        target: CanvasQuadrants.answer(canvas, layout: layout)))
            }
        }
        let figure = try evaluationGridFigure(
            rows, title: "vtv eval: answer quadrants of the first \(min(gridCount, count)) prompt(s) per task")
        files["grid.png"] = Data(try ImageFile.encodePNG(figure, name: "grid.png"))
    }
    try ReportFolder.write(files, to: job.out)
    return report
}

/// What an evaluation holds at once: one batch of forward passes and VQGAN decodes; a rank's share
/// of the prompts of one task as canvases, targets and predictions; on rank 0 the figure's crops of
/// every rank. With `oneShotPatched` (`--into-one-shot`), a rank's share is held at once as canvases
/// and four images each (the prompt task's target, the unpatched and patched predictions, the
/// vectors' task's target) instead of two.
public func evalMemoryBudget(
    _ c: ModelConfiguration, batch: Int, prompts: Int, ranks: Int, grid: Int,
    tasks: Int, modes: Int, promptsOption: String = "--count", oneShotPatched: Bool = false
) -> MemoryBudget {
    var budget = MemoryBudget()
    let largestShare = (prompts + ranks - 1) / ranks
    budget.add(
        "--batch", batch, count: min(batch, largestShare),
        of: MemoryCost.forwardSample(c) + MemoryCost.decodedImage(side: c.imageSize),
        for: "one batch of forward passes and decodes")
    let side = Double(c.imageSize)
    budget.add(
        promptsOption, prompts, count: largestShare,
        of: MemoryCost.canvas(side: c.imageSize) + (oneShotPatched ? 12 : 6) * side * side,
        for: "one task's canvases, targets and predictions on one rank")
    let quadrant = Double(CanvasLayout(size: c.imageSize).quadrant)
    budget.add(
        "--grid", grid, count: min(grid, prompts), of: Double(tasks * modes) * 3 * quadrant * quadrant,
        for: "the answer quadrants shown in grid.png")
    return budget
}
