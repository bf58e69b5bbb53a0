import Distributed
import Foundation
import Model
import Outputs
import Prompts
import Search

/// What `vtv demo` does (`runDemo`): the whole pipeline on one model and synthetic prompts
/// (`synthetic:promptSeed`) in three disjoint roles, every file in one folder.
public struct DemoSettings {
    /// The model file.
    public var model: String
    /// Whether `model` is the embedded default (the README says so).
    public var embedded: Bool
    /// The folder of every file of the run (made if missing).
    public var out: String
    /// Search iterations per task, at least 1.
    public var iterations: Int
    /// Masks per search iteration, at least 2.
    public var samples: Int
    /// Collect prompts (the task means) and train prompts (the searches), at least 2.
    public var count: Int
    /// Train prompts the search's masks run on, 1...count - 1; the others choose the best policy.
    public var trainPrompts: Int
    /// Eval prompts (the report), at least 1.
    public var evalCount: Int
    /// The tasks, at least two (scoring compares tasks).
    public var tasks: [PromptTask]
    /// The seed of the synthetic source all three roles come from (`synthetic:promptSeed`), at least 0:
    /// another seed gives other scenes of the same classes.
    public var promptSeed: Int
    /// The searched variables of highest taskness (the demo's own `vtv score`) whose logits start at
    /// `startLogit`, 0...112 on vtv-small (0: every variable starts at the initial logit, as published).
    public var startTop: Int
    /// The searches' baseline (`defaultBaseline` unless given).
    public var baseline: SearchSettings.Baseline
    /// Tasks whose searches take their own baseline instead (`defaultTaskBaselines` unless given; entries
    /// for tasks not in `tasks` are ignored).
    public var taskBaselines: [PromptTask: SearchSettings.Baseline]

    public init(
        model: String, embedded: Bool, out: String, iterations: Int = 80, samples: Int = 48, count: Int = 32,
        trainPrompts: Int = 10, evalCount: Int = 64,
        tasks: [PromptTask] = [.segmentation, .lowlightEnhance, .inpaint, .colorization], promptSeed: Int = 0,
        startTop: Int = DemoSettings.defaultStartTop, baseline: SearchSettings.Baseline = DemoSettings.defaultBaseline,
        taskBaselines: [PromptTask: SearchSettings.Baseline] = DemoSettings.defaultTaskBaselines
    ) {
        self.model = model
        self.embedded = embedded
        self.out = out
        self.iterations = iterations
        self.samples = samples
        self.count = count
        self.trainPrompts = trainPrompts
        self.evalCount = evalCount
        self.tasks = tasks
        self.promptSeed = promptSeed
        self.startTop = startTop
        self.baseline = baseline
        self.taskBaselines = taskBaselines
    }

    /// The demo's `startTop` unless given: the 32 variables of highest taskness start at p = 0.73 (logit 1),
    /// the rest at p = 0.27 (docs/model-card.md, "The demo": patched alone, the top 32 already recover
    /// 22-42% of segmentation's advantage, and searches from them cleared 40% more often).
    public static let defaultStartTop = 32
    /// The starting logit of the `startTop` variables.
    public static let startLogit = 1.0

    /// The prompts' source, `synthetic:promptSeed`.
    public var promptSource: String { "synthetic:\(promptSeed)" }

    /// The demo's reward: the paper's. On vtv-small the token reward's short searches stop near a
    /// quarter of segmentation's advantage; the pixel reward's reach half (docs/model-card.md, "The demo").
    public static let reward = SearchSettings.Reward.pixel

    /// The demo's baseline unless given: leave-one-out. Started from the top of the taskness ranking
    /// (`startTop`), its segmentation searches cleared 40% on all 9 prompt seeds measured, the prompt
    /// baseline's on 6 (docs/model-card.md, "The demo").
    public static let defaultBaseline = SearchSettings.Baseline.leaveOneOut
    /// Colorization's searches take the prompt baseline: from the same start they cleared 40% on 7 of 9
    /// prompt seeds with it, on 4 of 9 with leave-one-out (docs/model-card.md, "The demo").
    public static let defaultTaskBaselines: [PromptTask: SearchSettings.Baseline] = [.colorization: .prompt]

    /// `defaultTaskBaselines` as a `--task-baseline` value, in task order.
    public static var defaultTaskBaselinesValue: String {
        PromptTask.every.compactMap { task in defaultTaskBaselines[task].map { "\(task.rawValue)=\($0.rawValue)" } }
            .joined(separator: ",")
    }

    /// `taskBaselines` of the demo's tasks, in their order, as `vtv sweep --task-baseline` words ([] when none).
    public var taskBaselineWords: [String] {
        let named = tasks.compactMap { task in taskBaselines[task].map { "\(task.rawValue)=\($0.rawValue)" } }
        return named.isEmpty ? [] : ["--task-baseline", named.joined(separator: ",")]
    }

    /// Every search setting the demo fixes, as `vtv sweep` words. The large learning rate lets a policy
    /// this short-lived reach p > 0.5 on the variables that help.
    public static let searchWords = [
        "--reward", reward.rawValue, "--granularity", "1",
        "--stacks", "both", "--mask-seed",
        "0", "--lr", "0.5", "--init-logit", "-1", "--sparsity", "0", "--eval-every", "10", "--final", "threshold",
        "--batch", "8"
    ]

    /// `searchWords` with this demo's baseline and start (`--scores DIR/scores.h5 --start-top K --start-logit X`,
    /// none with `startTop` 0), as the demo logs its search.
    public var searchOptions: [String] {
        ["--baseline", baseline.rawValue] + taskBaselineWords + Self.searchWords
            + (startTop == 0
                ? []
                : [
                    "--scores", path("scores.h5"), "--start-top", String(startTop), "--start-logit",
                    OptionRange.number(Self.startLogit)
                ])
    }

    /// The start of every search, from the demo's scores file (nil with `startTop` 0).
    public var start: SearchStart? {
        startTop == 0 ? nil : SearchStart(scores: path("scores.h5"), top: startTop, logit: Self.startLogit)
    }

    /// `name` inside the demo's folder.
    public func path(_ name: String) -> String { OutputFolder.file(name, in: out) }

    /// The sweep's run of `task` under `searchWords`, which names its files.
    public func searchRun(task: PromptTask) -> SweepRun {
        SweepRun(
            task: task.rawValue, seed: 0, granularity: 1, reward: Self.reward, stacks: .both,
            baseline: taskBaselines[task])
    }

    /// The settings every search shares: the options' and `searchWords`'.
    public var search: SearchSettings {
        var settings = SearchSettings()
        settings.iterations = iterations
        settings.samplesPerIteration = samples
        settings.trainPrompts = trainPrompts
        settings.evalPrompts = count - trainPrompts
        settings.evalEvery = 10
        settings.learningRate = 0.5
        settings.initialLogit = -1
        settings.sparsityPenalty = 0
        settings.baseline = baseline
        settings.batchSize = 8
        return searchRun(task: tasks[0]).settings(settings)
    }

    /// Every folder the demo writes into, with the files it writes there (for `OutputPlan`).
    public var outputFolders: [(folder: String, files: [String])] {
        let runs = tasks.map { searchRun(task: $0).name }
        return [
            (
                out,
                ["collect", "train", "eval"].map { "prompts-\($0).h5" } + [
                    "activations.h5", "scores.h5", "scores.png", "README.md"
                ]
            ),
            (path("search"), SweepSummary.files + runs.flatMap { [$0 + ".h5", $0 + ".json", $0 + ".checkpoint.h5"] }),
            (path("report"), ReportFolder.evaluationFiles)
        ]
    }

    /// Refuses settings outside the values that mean something, as the options' help texts say.
    func check() throws {
        func require(_ option: String, _ value: Int, _ range: ClosedRange<Int>, why: String? = nil) throws {
            guard range.contains(value) else {
                throw OptionRange.integers(range).error(option, got: "\(value)", why: why)
            }
        }
        try require("--iterations", iterations, 1...Int.max)
        try require(
            "--samples", samples, 2...Int.max,
            why: "the losses of an iteration's masks are standardized into advantages")
        let largest = SyntheticPromptSource.largestCount
        let disjoint = "beyond it the roles of a synthetic source share scenes"
        try require("--count", count, 2...largest, why: "the search holds some of its prompts out")
        try require(
            "--train-prompts", trainPrompts, 1...count - 1,
            why: "the other --count train prompts choose the best policy")
        try require("--eval-count", evalCount, 1...largest, why: disjoint)
        try require("--prompt-seed", promptSeed, 0...Int.max)
        try require("--start-top", startTop, 0...Int.max)
        guard Set(tasks).count >= 2 else {
            throw UsageError("--tasks needs at least two tasks: scoring candidates compares tasks")
        }
        for task in tasks {
            if let problem = searchRun(task: task).settings(search).problems.first { throw UsageError(problem) }
        }
    }
}

/// What a demo came to (rank 0): each task's recovered share, the evaluation and each step's seconds.
public struct DemoReport {
    /// Each task's share of the one-shot advantage the task vectors recover, in the report's order.
    public var shares: [(task: String, share: RecoveredShare)]
    public var evaluation: EvaluationReport
    public var timings: [(step: String, seconds: Double)]
    /// DIR/README.md, the demo's report.
    public var readme: String
}

/// The demo stage (`vtv demo`), on every rank of `world`: checks its outputs and memory before any
/// step; exports synthetic prompts (`settings.promptSource`) of roles collect and train (`count` each) and eval
/// (`evalCount`); collects each task's mean over the collect prompts; scores; runs one search per
/// task (`runSweep`: the ranks split into groups) over the train prompts; evaluates one-shot vs
/// zero-shot vs zero-shot with each task's vectors on the eval prompts, which no earlier step saw.
/// Rank 0 writes DIR/README.md (`DemoReadme`) and returns the report; the other ranks return nil.
/// Files of DIR besides `outputFolders` are never touched.
public func runDemo(_ settings: DemoSettings, world: Communicator) throws -> DemoReport? {
    try settings.check()
    let dir = settings.out, path = settings.path
    let configuration = try ModelFile.readConfiguration(settings.model)
    let canvas = configuration.imageSize
    let variables = PatchVariables(configuration: configuration, granularity: .headGroup).count
    guard settings.startTop <= variables else {
        throw UsageError(
            "--start-top \(settings.startTop): the model has \(variables) variables at granularity 1, so at most "
                + "\(variables) can start higher")
    }
    // Output folders and collisions with the model, checked on the rank that writes, before any step.
    if world.isRoot {
        var plan = OutputPlan()
        plan.input(settings.model, option: "--model")
        for (folder, files) in settings.outputFolders { plan.outputFolder(folder, option: "--out", files: files) }
        try plan.check()
    }
    // The search step is the demo's largest; refusing it here spares the steps before it. A group
    // of the sweep runs one task's search at a time.
    let limit = try MemoryBudget.agreedLimit(world)
    try searchMemoryBudget(
        settings.search, configuration: configuration,
        variables: variables,
        trainPrompts: settings.trainPrompts, heldOutPrompts: settings.count - settings.trainPrompts, tasks: 1,
        promptsOption: "--count"
    )
    .check(limit: limit)
    let roles =
        [("collect", settings.count, "--count"), ("train", settings.count, "--count")]
        + [("eval", settings.evalCount, "--eval-count")]
    for (_, n, option) in roles {
        // The indices of a role's prompts, and one round of the export: a prompt of every rank, all tasks.
        var budget = MemoryBudget()
        budget.add(option, n, count: n, of: MemoryCost.promptIndex, for: "the indices of the selected prompts")
        budget.add(
            "--canvas-size", canvas, count: world.size * settings.tasks.count, of: 2 * MemoryCost.canvas(side: canvas),
            for: "one round of prompts from \(world.size) rank(s)")
        try budget.check(limit: limit)
    }
    if world.isRoot { try OutputFolder.create(dir) }
    try world.barrier()

    let tasks = settings.tasks.map(\.rawValue).joined(separator: ",")
    var timings: [(step: String, seconds: Double)] = []
    /// Runs one step on every rank, logged as the `vtv` command that does the same; all then wait for rank 0's files.
    func step<T>(_ label: String, _ words: [String], _ body: () throws -> T) throws -> T {
        world.log("\n== \(label): vtv \(words.joined(separator: " "))")
        let started = Date()
        let result = try body()
        try world.barrier()
        timings.append((label, Date().timeIntervalSince(started)))
        return result
    }
    func file(_ name: String) -> PromptInput {
        PromptInput { tasks, _ in
            let source = try PromptsFile(path: path(name))
            try source.requireTasks(tasks)
            return try PromptSelection(source: source, role: nil, count: nil)
        }
    }

    for (role, n, _) in roles {
        let out = path("prompts-\(role).h5")
        let words = [
            "prompts", "export", "--source", settings.promptSource, "--role", role, "--count", String(n),
            "--canvas-size",
            String(canvas), "--tasks", tasks, "--out", out
        ]
        try step("prompts (\(role))", words) {
            let source = try PromptSourceSpec(parsing: settings.promptSource).open(
                role: role, count: n, seed: nil, layout: CanvasLayout(size: canvas))
            let selection = try PromptSelection(source: source, role: role, count: n)
            let report = try PromptsExport.run(
                PromptsExport.Settings(
                    selection: selection, tasks: settings.tasks, seed: settings.promptSeed, path: out), world: world)
            world.log(report.summary)
        }
    }
    let activations = path("activations.h5")
    try step(
        "collect",
        [
            "collect", "--model", settings.model, "--prompts", path("prompts-collect.h5"), "--tasks", tasks, "--out",
            activations
        ]
    ) {
        let report = try runCollect(
            CollectSettings(
                model: settings.model, prompts: file("prompts-collect.h5"), tasks: settings.tasks, out: activations),
            world: world)
        if let report { world.log("wrote \(report.out) in " + String(format: "%.1f s", report.seconds)) }
    }
    try step(
        "score",
        [
            "score", "--activations", activations, "--granularity", "1", "--out", path("scores.h5"), "--plot",
            path("scores.png")
        ]
    ) {
        // Scoring runs on one process: rank 0, as `vtv score` does.
        guard world.isRoot else { return }
        _ = try runScore(
            ScoreSettings(
                activations: activations, granularity: .headGroup, out: path("scores.h5"), plot: path("scores.png")))
        world.log("wrote \(path("scores.h5")), \(path("scores.png"))")
    }
    let sweep = SweepJob(
        model: settings.model, prompts: file("prompts-train.h5"), runs: settings.tasks.map(settings.searchRun),
        base: settings.search, batchSize: 8, final: .threshold, activations: activations, start: settings.start,
        checkpointEvery: 10,
        resume: false, folder: path("search"))
    let searchWords =
        [
            "sweep", "--model", settings.model, "--activations", activations, "--prompts", path("prompts-train.h5"),
            "--task", tasks, "--iterations", String(settings.iterations), "--samples", String(settings.samples),
            "--train-prompts", String(settings.trainPrompts), "--eval-prompts",
            String(settings.count - settings.trainPrompts)
        ] + settings.searchOptions + ["--out", path("search")]
    let searched = try step("search", searchWords) { try runSweep(sweep, world: world) }
    guard !searched.result.stopped else { throw DemoStopped() }
    world.log(
        "wrote "
            + (SweepSummary.files + sweep.runs.map { $0.name + ".h5" }).map { sweep.folder + "/" + $0 }.joined(
                separator: ", "))
    let vectors = sweep.runs.map { sweep.outputs($0).taskVectors[0] }
    let evaluation = try step(
        "eval",
        [
            "eval", "--model", settings.model, "--prompts", path("prompts-eval.h5"), "--tasks", tasks, "--taskvectors",
            PathList.joined(vectors), "--out", path("report")
        ]
    ) {
        try runEvaluation(
            EvaluationSettings(
                model: settings.model, prompts: file("prompts-eval.h5"), tasks: settings.tasks,
                taskVectors: .files(vectors),
                out: path("report")),
            world: world)
    }

    guard world.isRoot, let evaluation else { return nil }
    let shares = evaluation.tasks.compactMap { task in RecoveredShare(task).map { (task: task.task, share: $0) } }
    let readme = path("README.md")
    let text = DemoReadme(
        settings: settings, ranks: world.size, timings: timings, evaluation: evaluation, shares: shares,
        evaluationMarkdown: (try? String(contentsOfFile: path("report/report.md"), encoding: .utf8))
            ?? "(no evaluation report found)"
    ).text
    try StagedFile.write(Array(text.utf8), to: readme)
    return DemoReport(shares: shares, evaluation: evaluation, timings: timings, readme: readme)
}

/// A signal stopped the demo's searches (each wrote its checkpoint); the demo does not evaluate them.
public struct DemoStopped: Error, CustomStringConvertible {
    public var description: String { "the demo's searches were stopped by a signal; the demo did not finish" }
}
