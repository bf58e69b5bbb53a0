import Distributed
import Foundation
import Model
import Outputs
import Pipeline
import Search

/// `vtv demo`: the whole pipeline on the embedded default model and synthetic prompts.
let demoCommand = Command(
    name: "demo",
    summary:
        "run the whole pipeline (prompts, collect, score, one search per task, eval) on the embedded default; write a report",
    discussion: """
        Runs, in one MPI job (launch with cluster/local.sh 2 demo): synthetic prompts (seed 0) in three
        disjoint sets of scenes of the same classes, roles collect and train (--count each) and eval
        (--eval-count); collect, each task's mean over the collect prompts; score; one search per task
        (`vtv sweep`: the ranks split into groups), --iterations x --samples masks over the first
        --train-prompts train prompts, the best policy chosen on the other train prompts; eval of one-shot
        vs zero-shot vs zero-shot with each task's vectors on the eval prompts, which no earlier step saw.
        Ends with DIR/README.md, a short report with the figures and, per task, the share of the one-shot
        advantage the task vectors recover, (zero-shot + TV − zero-shot) / (one-shot − zero-shot) over the
        eval means; rank 0 prints the shares too. The defaults fit about 5 minutes on 2 ranks of a quiet
        2-core machine (docs/model-card.md, "The demo"). Every other search setting is fixed here,
        whatever `vtv search`'s defaults are: \(demoSearchWords.joined(separator: " ")).
        The embedded default model is vtv-small, a 112x112-canvas MAE-VQGAN trained on synthetic prompts
        (tools/train, docs/model-card.md) whose training never saw these scenes.
        """,
    options: [
        .value("--model", "M.h5", "the model to run (default: the embedded vtv-small model)"),
        .value("--out", "DIR", "folder for every file of the run", default: "vtv-demo"),
        .value("--iterations", "N", "search iterations per task, at least 1", default: "80"),
        .value("--samples", "N", "masks per search iteration, at least 2", default: "48"),
        .value(
            "--count", "N", "collect prompts (the task means) and train prompts (the searches), at least 2",
            default: "32"),
        .value(
            "--train-prompts", "N",
            "train prompts the search's masks run on, 1 <= N < --count (the others choose the "
                + "best policy)", default: "10"),
        .value("--eval-count", "N", "eval prompts (the report), at least 1", default: "64"),
        .value("--tasks", "LIST", "tasks of the run", default: "segmentation,lowlight_enhance,inpaint,colorization")
    ],
    distributed: true
) { args in
    let world = Communicator.world
    let dir = try args.required("--out")
    let iterations = try args.int("--iterations", atLeast: 1)!
    let samples = try args.int(
        "--samples", atLeast: 2, why: "the losses of an iteration's masks are standardized into advantages")!
    let tasks = try args.required("--tasks")
    let count = try args.int("--count", atLeast: 2, why: "the search holds some of its prompts out")!
    let trainPrompts = try args.int(
        "--train-prompts", in: 1...count - 1, why: "the other --count train prompts choose the best policy")!
    let evalCount = try args.int("--eval-count", atLeast: 1)!
    let taskList = tasks.split(separator: ",").map(String.init)
    guard taskList.count >= 2 else {
        throw UsageError("--tasks needs at least two tasks: scoring candidates compares tasks")
    }
    let model = try args.string("--model") ?? DefaultModel.path()
    let configuration = try ModelFile.readConfiguration(model)
    let canvas = configuration.imageSize
    // The search step is the demo's largest; refusing it here spares the steps before it. A group
    // of the sweep runs one task's search at a time.
    var settings = SearchSettings()
    (settings.iterations, settings.samplesPerIteration, settings.reward, settings.batchSize) = (
        iterations, samples, demoReward, 8
    )
    try searchMemoryBudget(
        settings, configuration: configuration,
        variables: PatchVariables(configuration: configuration, granularity: .headGroup).count,
        trainPrompts: trainPrompts, heldOutPrompts: count - trainPrompts, tasks: 1, promptsOption: "--count"
    )
    .check(limit: try MemoryBudget.agreedLimit(world))
    if world.isRoot { try OutputFolder.create(dir) }
    try world.barrier()
    func path(_ name: String) -> String { OutputFolder.file(name, in: dir) }

    var timings: [(step: String, seconds: Double)] = []
    /// Runs one vtv command in this job; every rank takes part, then all wait for rank 0's files.
    func step(_ label: String, _ words: [String]) throws {
        world.log("\n== \(label): vtv \(words.joined(separator: " "))")
        let started = Date()
        let status = dispatch(["vtv"] + words)
        let worst = try world.allreduce(Int(status), .max)
        guard worst == 0 else { throw DemoError(step: label, status: worst) }
        try world.barrier()
        timings.append((label, Date().timeIntervalSince(started)))
    }

    for (role, n) in [("collect", count), ("train", count), ("eval", evalCount)] {
        try step(
            "prompts (\(role))",
            [
                "prompts", "export", "--source", "synthetic:0", "--role", role, "--count", String(n),
                "--canvas-size", String(canvas), "--tasks", tasks, "--out", path("prompts-\(role).h5")
            ])
    }
    try step(
        "collect",
        [
            "collect", "--model", model, "--prompts", path("prompts-collect.h5"), "--tasks", tasks,
            "--out", path("activations.h5")
        ])
    try step(
        "score",
        [
            "score", "--activations", path("activations.h5"), "--granularity", "1", "--out", path("scores.h5"),
            "--plot", path("scores.png")
        ])
    try step(
        "search",
        [
            "sweep", "--model", model, "--activations", path("activations.h5"), "--prompts", path("prompts-train.h5"),
            "--task", tasks, "--iterations", String(iterations), "--samples", String(samples),
            "--train-prompts", String(trainPrompts), "--eval-prompts", String(count - trainPrompts)
        ]
            + demoSearchWords + ["--out", path("search")])
    let vectors = taskList.map { path("search/" + demoSearchRun(task: $0).name + ".h5") }
    try step(
        "eval",
        [
            "eval", "--model", model, "--prompts", path("prompts-eval.h5"), "--tasks", tasks,
            "--taskvectors", PathList.joined(vectors), "--out", path("report")
        ])

    if world.isRoot {
        let shares = try writeDemoReport(
            dir: dir, model: model, embedded: args.string("--model") == nil, timings: timings,
            ranks: world.size, iterations: iterations, samples: samples, count: count,
            trainPrompts: trainPrompts)
        print(
            "\nzero-shot + task vectors recover this share of the one-shot advantage on the \(evalCount) eval prompts "
                + "((TV - zero-shot) / (one-shot - zero-shot); 100%: as good as showing the example, 0%: as not showing it):"
        )
        for (task, share) in shares {
            print(
                "  \(task): \(share.formatted) (one-shot \(demoNumber(share.oneShot)), zero-shot \(demoNumber(share.zeroShot)), "
                    + "zero-shot + TV \(demoNumber(share.taskVectors)))")
        }
        print("demo finished: \(path("README.md"))")
    }
    return 0
}

/// The demo's reward: the paper's. On vtv-small the token reward's short searches stop near a
/// quarter of segmentation's advantage; the pixel reward's reach half (docs/model-card.md, "The demo").
private let demoReward = SearchSettings.Reward.pixel

/// Every search setting the demo fixes besides its options, as `vtv sweep` words. The prompt baseline
/// is the one colorization's vectors need on vtv-small; the large learning rate lets a policy this
/// short-lived reach p > 0.5 on the variables that help (docs/model-card.md, "The demo").
private let demoSearchWords = [
    "--reward", demoReward.rawValue, "--baseline", "prompt", "--granularity", "1", "--stacks", "both", "--mask-seed",
    "0",
    "--lr", "0.5", "--init-logit", "-1", "--sparsity", "0", "--eval-every", "10", "--final", "threshold", "--batch", "8"
]

/// The sweep's run of `task` under `demoSearchWords`, which names its files.
private func demoSearchRun(task: String) -> SweepRun {
    SweepRun(task: task, seed: 0, granularity: 1, reward: demoReward, stacks: .both)
}

private func demoNumber(_ value: Double) -> String { String(format: "%.4f", value) }

struct DemoError: Error, CustomStringConvertible {
    let step: String
    let status: Int
    var description: String { "demo step '\(step)' failed (exit status \(status)); see its message above" }
}

/// Writes DIR/README.md from the eval report and returns each task's recovered share, in the report's order.
private func writeDemoReport(
    dir: String, model: String, embedded: Bool, timings: [(step: String, seconds: Double)],
    ranks: Int, iterations: Int, samples: Int, count: Int,
    trainPrompts: Int
) throws -> [(task: String, share: RecoveredShare)] {
    let evaluation =
        (try? String(contentsOfFile: OutputFolder.file("report/report.md", in: dir), encoding: .utf8))
        ?? "(no evaluation report found)"
    let report = try EvaluationReport.decode(
        Data(contentsOf: URL(fileURLWithPath: OutputFolder.file("report/report.json", in: dir))))
    let shares = report.tasks.compactMap { task in RecoveredShare(task).map { (task: task.task, share: $0) } }
    let total = timings.map(\.seconds).reduce(0, +)
    var text = """
        # vtv demo

        Model: `\(model)`\(embedded
        ? " — the embedded default, vtv-small: a 112x112-canvas MAE-VQGAN trained by `tools/train` on synthetic prompts "
          + "of the same classes (model card: docs/model-card.md in the repository). The prompts below are scenes it never saw."
        : " (given with --model).")

        Ran on \(ranks) MPI rank(s) in \(String(format: "%.0f", total)) s: synthetic prompts, `vtv collect` (each task's mean
        over the \(count) collect prompts), `vtv score`, one `vtv search` per task in a `vtv sweep` (\(iterations) iterations x
        \(samples) masks over \(trainPrompts) train prompts, the best policy chosen on the other \(count - trainPrompts);
        `\(demoSearchWords.joined(separator: " "))`), `vtv eval` on the \(report.prompts.indices.count) eval prompts.

        | step | seconds |
        |---|---|

        """
    for t in timings { text += "| \(t.step) | \(String(format: "%.1f", t.seconds)) |\n" }
    text += """

        ## Recovered share of the one-shot advantage

        How much of what showing the example gains (one-shot over zero-shot) the task vectors recover without
        it: (zero-shot + TV − zero-shot) / (one-shot − zero-shot), from the means of the evaluation below.
        100% means the patched zero-shot model does as well as one-shot prompting, 0% no better than
        zero-shot; below 0 it does worse than zero-shot.

        | task | one-shot | zero-shot | zero-shot + TV | recovered |
        |---|---|---|---|---|

        """
    for (task, share) in shares {
        text +=
            "| \(task) | " + [share.oneShot, share.zeroShot, share.taskVectors].map(demoNumber).joined(separator: " | ")
            + " | \(share.formatted) |\n"
    }
    text += """

        ## Evaluation

        \(evaluation)

        ## Figures

        Candidate taskness (variance of task means across tasks over within-task variance):

        ![scores](scores.png)

        Predictions (query, one-shot, zero-shot, zero-shot + task vectors, target):

        ![grid](report/grid.png)

        Files: `prompts-*.h5`, `activations.h5`, `scores.h5`, `search/` (each task's `<task>-seed0-g1-\(demoReward.rawValue).h5`
        task vectors and `.json` search report, and the sweep's `sweep.md`), `report/report.json`.
        """
    try StagedFile.write(Array(text.utf8), to: OutputFolder.file("README.md", in: dir))
    return shares
}
