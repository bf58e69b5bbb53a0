import Distributed
import Foundation
import Imaging
import Model
import Prompts
import Search

/// `vtv eval`: one-shot, zero-shot and zero-shot + task vectors on evaluation prompts, across MPI ranks.
let evalCommand = Command(
    name: "eval",
    summary: "score one-shot, zero-shot and zero-shot + task-vector prompting on evaluation prompts; write a report",
    discussion: """
    For each task and prompt: the one-shot prompt (the example pair and the query), the zero-shot prompt
    (the query alone) and, given task vectors, the zero-shot prompt with the task's head outputs patched.
    Each prediction is scored as the published code does (REFERENCE.md Section 8): the VQGAN decodes the
    predicted token of every grid position and the answer quadrant is compared with the target
    (IoU for segmentation, normalized MSE otherwise). Means carry a 95% confidence interval over prompts:
    mean ± 1.96 * sample std / sqrt(n).
    Task vectors: --taskvectors TV.h5,TV2.h5 (one file per task, matched by the file's task), or
    --top-k K: the K variables of highest taskness (from --scores S.h5, or computed from --activations
    over all its tasks) with each task's means from --activations A.h5.
    Prompts are split across MPI ranks in contiguous blocks and gathered in prompt order, so the report's
    metrics do not depend on the number of ranks (with one BLAS thread per rank). Rank 0 writes DIR/report.json (every number, per-prompt
    metrics), DIR/report.md (the table, FLOPs, timing) and DIR/grid.png (the first --grid prompts of each
    task: query, the three predictions and the target) into DIR (made if missing), each file whole and
    all three together; nothing else in DIR is touched.
    """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--tasks", "LIST", "tasks to evaluate (default: the tasks of the --taskvectors files, else 'base')"),
        .value("--taskvectors", "TV.h5,...", "task-vectors files, comma-separated, one per task (write a comma inside "
               + "a path as \\, and a backslash as \\\\)"),
        .value("--top-k", "K", "instead of files: patch the K variables of highest taskness (K >= 1)"),
        .value("--scores", "S.h5", "with --top-k: taskness scores (default: computed from --activations)"),
        .value("--activations", "A.h5", "with --top-k: the task means to patch (vtv collect)"),
        .value("--granularity", "G", "variables' granularity: checked against the files; with --top-k and no "
               + "--scores the one scored (default 1)"),
        .value("--batch", "B", "prompts per forward pass, at least 1", default: "8"),
        .value("--grid", "N", "prompts per task shown in grid.png (0: no figure)", default: "4"),
        .value("--out", "DIR", "the report folder to write", required: true),
    ] + promptSelectionOptions,
    distributed: true
) { args in
    try runEvalCommand(args)
}

/// The task vectors of each evaluated task and the file each came from.
private struct ResolvedTaskVectors {
    var tasks: [PromptTask]
    var vectors: [String: TaskVectors] = [:]
    var files: [String: String] = [:]
}

private func resolveTaskVectors(_ args: ParsedArguments, model: LoadedModel) throws -> ResolvedTaskVectors {
    let granularity = try args.int("--granularity", in: 0 ... 2, why: "0 heads, 1 head x token group, 2 head x token")
        .map { PatchVariables.Granularity(rawValue: $0)! }
    let topK = try args.int("--top-k", atLeast: 1)
    switch (try args.paths("--taskvectors"), topK) {
    case (.some, .some):
        throw UsageError("give either --taskvectors or --top-k, not both")
    case let (paths?, nil):
        for option in ["--scores", "--activations"] where args.string(option) != nil {
            throw UsageError("\(option) goes with --top-k; --taskvectors files already hold their vectors")
        }
        let files = try paths.filter { !$0.isEmpty }.map { path in
            (path: path, vectors: try model.taskVectors(path, granularity: granularity))
        }
        guard !files.isEmpty else { throw UsageError("--taskvectors needs at least one file") }
        let fileTasks = files.map(\.vectors.task)
        let tasks = args.string("--tasks") != nil ? try parseTasks(args)
            : PromptTask.allCases.filter { fileTasks.contains($0.rawValue) }
        var resolved = ResolvedTaskVectors(tasks: tasks)
        resolved.vectors = try EvaluationTaskVectors.match(files, tasks: tasks.map(\.rawValue))
        for file in files { resolved.files[file.vectors.task] = file.path }
        if tasks.isEmpty {
            throw UsageError("none of the --taskvectors files is for a known task (they are for \(fileTasks.joined(separator: ", ")))")
        }
        return resolved
    case let (nil, k?):
        guard let activationsPath = args.string("--activations") else {
            throw UsageError("--top-k needs --activations A.h5: the task means that are patched")
        }
        let tasks = try parseTasks(args)
        let activations = try model.activations(activationsPath)
        let ranking: [Int], scored: PatchVariables.Granularity, scoredTasks: [String]
        if let scoresPath = args.string("--scores") {
            let scores = try ScoresFile(path: scoresPath)
            guard scores.modelHash == model.hash else {
                throw SearchInputError.modelMismatch(file: scoresPath, kind: .scores, found: scores.modelHash, expected: model.hash)
            }
            if let granularity, granularity != scores.granularity {
                throw SearchInputError.granularityMismatch(file: scoresPath, found: scores.granularity.rawValue,
                                                           expected: granularity.rawValue)
            }
            (ranking, scored, scoredTasks) = (scores.ranking, scores.granularity, scores.tasks)
        } else {
            scored = granularity ?? .headGroup
            let taskness = try TasknessScores(activations: activations, tasks: activations.taskNames, granularity: scored)
            (ranking, scoredTasks) = (taskness.ranking, taskness.tasks)
        }
        var resolved = ResolvedTaskVectors(tasks: tasks)
        resolved.vectors = try EvaluationTaskVectors.topK(k, ranking: ranking, granularity: scored, scoredTasks: scoredTasks,
                                                          activations: activations, tasks: tasks.map(\.rawValue),
                                                          modelHash: model.hash, activationsPath: activationsPath)
        return resolved
    case (nil, nil):
        for option in ["--scores", "--activations", "--granularity"] where args.string(option) != nil {
            throw UsageError("\(option) goes with --top-k")
        }
        return ResolvedTaskVectors(tasks: try parseTasks(args))
    }
}

private func runEvalCommand(_ args: ParsedArguments) throws -> Int32 {
    let world = Communicator.world
    let batch = try args.int("--batch", atLeast: 1)!
    let gridCount = try args.int("--grid", atLeast: 0)!
    let out = try args.required("--out")
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: out, isDirectory: &isFolder), !isFolder.boolValue {
        throw UsageError("--out \(out) is a file; give a folder for the report")
    }

    let model = try LoadedModel(path: try args.required("--model"), parts: [.mae, .vqganDecoder],
                                sharing: try WeightSharing.forDistributedCommand())
    let resolved = try resolveTaskVectors(args, model: model)
    let tasks = resolved.tasks
    let selection = try openPromptSelection(args, tasks: tasks, canvasSize: model.configuration.imageSize)
    try model.checkCanvas(selection)
    let modes: [EvaluationMode] = resolved.vectors.isEmpty ? [.oneShot, .zeroShot] : EvaluationMode.allCases
    try evalMemoryBudget(model.configuration, batch: batch, prompts: selection.indices.count, ranks: world.size,
                         grid: gridCount, tasks: tasks.count, modes: modes.count)
        .check(limit: try MemoryBudget.agreedLimit(world))
    let evaluator = PromptEvaluator(model: try model.mae(),
                                    decoder: try model.vqganDecoder(),
                                    batchSize: batch)
    let side = model.configuration.imageSize
    let layout = CanvasLayout(size: side)
    let count = selection.indices.count
    let mine = selection.share(of: world)
    let myStart = shard(count, rank: world.rank, of: world.size).lowerBound
    world.log("eval: \(count) prompts x \(tasks.count) tasks x \(modes.count) modes on \(world.size) rank(s), batch \(batch)")

    // Local results, flattened for the gathers: metrics [task][mode][my prompt], seconds [task][mode],
    // figure crops [task][my prompt among the first gridCount][mode][quadrant, quadrant, 3].
    var metrics: [Double] = [], seconds: [Double] = [], crops: [UInt8] = []
    let progress = ProgressReporter("eval", total: tasks.count * modes.count * mine.count, communicator: world)
    var done = 0
    for task in tasks {
        let canvases = try mine.map { try selection.source.canvas($0, task: task).values }
        let targets = canvases.map { Metrics.targetImage(canvas: $0, height: side, width: side) }
        var shown: [[Image8]] = Array(repeating: [], count: mine.count)
        for mode in modes {
            let patches = mode == .taskVectors ? resolved.vectors[task.rawValue]!.patchSet() : nil
            let started = Date()
            let images = try evaluator.predictions(canvases: canvases, mode: mode.promptMode, patches: patches)
            metrics += zip(targets, images).map { task.metric.evaluate(target: $0, prediction: $1) }
            seconds.append(Date().timeIntervalSince(started))
            for (j, image) in images.enumerated() where myStart + j < gridCount {
                shown[j].append(CanvasQuadrants.answer(image, layout: layout))
            }
            done += mine.count
            progress.update(done, detail: "\(task.rawValue) \(mode.title)")
        }
        crops += shown.joined().flatMap(\.pixels)
    }

    let allMetrics = try world.gather(metrics)
    let allSeconds = try world.gather(seconds)
    let allCrops = try world.gather(crops)
    guard world.isRoot, let allMetrics, let allSeconds, let allCrops else { return 0 }

    // Undo the rank-major order of the gathers: rank r holds the contiguous prompt block shard(count, r, size).
    let blocks = (0 ..< world.size).map { shard(count, rank: $0, of: world.size) }
    let cropBytes = layout.quadrant * layout.quadrant * 3
    var perPrompt = [[[Double]]](repeating: [[Double]](repeating: [], count: modes.count), count: tasks.count)
    var rankSeconds = perPrompt
    var figureCrops = [[[Image8]]](repeating: [], count: tasks.count)
    var metricAt = 0, cropAt = 0
    for (r, block) in blocks.enumerated() {
        let shownHere = block.filter { $0 < gridCount }.count
        for t in tasks.indices {
            for m in modes.indices {
                perPrompt[t][m] += allMetrics[metricAt ..< metricAt + block.count]
                metricAt += block.count
                rankSeconds[t][m].append(allSeconds[(r * tasks.count + t) * modes.count + m])
            }
            for _ in 0 ..< shownHere {
                figureCrops[t].append(modes.indices.map { m in
                    let start = cropAt + m * cropBytes
                    return Image8(width: layout.quadrant, height: layout.quadrant, channels: 3,
                                  pixels: Array(allCrops[start ..< start + cropBytes]))
                })
                cropAt += modes.count * cropBytes
            }
        }
    }

    let taskResults = tasks.indices.map { t in
        EvaluationReport.TaskResult(
            task: tasks[t].rawValue, metric: tasks[t].metric,
            taskVectors: resolved.vectors[tasks[t].rawValue].map {
                EvaluationReport.TaskVectorsInfo($0, file: resolved.files[tasks[t].rawValue])
            },
            modes: Dictionary(uniqueKeysWithValues: modes.indices.map { m in
                (modes[m], EvaluationReport.ModeResult(perPrompt: perPrompt[t][m], rankSeconds: rankSeconds[t][m]))
            }))
    }
    let report = EvaluationReport(
        model: .init(path: model.path, hash: model.hash),
        prompts: .init(origin: selection.source.origin, role: selection.role, indices: selection.indices,
                       names: selection.indices.map { promptName(selection.source, $0) }),
        ranks: world.size, batch: batch, flops: .init(configuration: model.configuration), tasks: taskResults)
    var files = ["report.json": try report.jsonData(), "report.md": Data(report.markdown().utf8)]
    if gridCount > 0 {
        var rows: [EvaluationFigureRow] = []
        for (t, task) in tasks.enumerated() {
            for (j, predictions) in figureCrops[t].enumerated() {
                let index = selection.indices[j]
                let canvas = Metrics.targetImage(canvas: try selection.source.canvas(index, task: task).values,
                                                 height: side, width: side)
                rows.append(EvaluationFigureRow(
                    title: "\(task.rawValue) #\(index)", query: CanvasQuadrants.query(canvas, layout: layout),
                    predictions: Dictionary(uniqueKeysWithValues: zip(modes, predictions)),
                    target: CanvasQuadrants.answer(canvas, layout: layout)))
            }
        }
        let figure = try evaluationGridFigure(rows, title: "vtv eval: answer quadrants of the first \(min(gridCount, count)) prompt(s) per task")
        files["grid.png"] = Data(try ImageFile.encodePNG(figure, name: "grid.png"))
    }
    try ReportFolder.write(files, to: out)

    for result in taskResults {
        let cells = modes.map { "\($0.title) \(result.result($0)!.summary.formatted())" }
        print("\(result.task) (\(result.metric)): \(cells.joined(separator: ", "))")
    }
    print("wrote \(out)/report.json, report.md" + (gridCount > 0 ? ", grid.png" : "")
          + String(format: "; zero-shot + TV uses %.1f%% fewer FLOPs than one-shot", report.flops.reductionVersusOneShot * 100))
    return 0
}

/// What an evaluation holds at once: one batch of forward passes and VQGAN decodes; a rank's share
/// of the prompts of one task as canvases, targets and predictions; on rank 0 the figure's crops of
/// every rank.
private func evalMemoryBudget(_ c: ModelConfiguration, batch: Int, prompts: Int, ranks: Int, grid: Int,
                              tasks: Int, modes: Int) -> MemoryBudget {
    var budget = MemoryBudget()
    let largestShare = (prompts + ranks - 1) / ranks
    budget.add("--batch", batch, count: min(batch, largestShare),
               of: MemoryCost.forwardSample(c) + MemoryCost.decodedImage(side: c.imageSize),
               for: "one batch of forward passes and decodes")
    let side = Double(c.imageSize)
    budget.add("--count", prompts, count: largestShare, of: MemoryCost.canvas(side: c.imageSize) + 6 * side * side,
               for: "one task's canvases, targets and predictions on one rank")
    let quadrant = Double(CanvasLayout(size: c.imageSize).quadrant)
    budget.add("--grid", grid, count: min(grid, prompts), of: Double(tasks * modes) * 3 * quadrant * quadrant,
               for: "the answer quadrants shown in grid.png")
    return budget
}
