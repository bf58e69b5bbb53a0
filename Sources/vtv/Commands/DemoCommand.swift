import Distributed
import Foundation
import Outputs
import Model
import Search

/// `vtv demo`: the whole pipeline on the embedded default model and synthetic prompts.
let demoCommand = Command(
    name: "demo",
    summary: "run the whole pipeline (prompts, collect, score, search, eval) on the embedded default; write a report",
    discussion: """
    Runs, in one MPI job (launch with cluster/local.sh 2 demo): synthetic prompts for collection,
    search and evaluation; collect; score; a multi-task search with the token reward; eval of one-shot
    vs zero-shot vs zero-shot with the found task vectors. Ends with DIR/README.md, a short report with
    the figures. The embedded default model is vtv-small, a 112x112-canvas MAE-VQGAN trained on
    synthetic prompts (tools/train, docs/model-card.md); prompts are drawn from the same synthetic
    classes (seed 0), with scenes it never saw in training.
    """,
    options: [
        .value("--model", "M.h5", "the model to run (default: the embedded vtv-small model)"),
        .value("--out", "DIR", "folder for every file of the run", default: "vtv-demo"),
        .value("--iterations", "N", "search iterations, at least 1", default: "100"),
        .value("--samples", "N", "masks per search iteration, at least 2", default: "64"),
        .value("--count", "N", "prompts per set (collection, search, evaluation), at least 2", default: "32"),
        .value("--tasks", "LIST", "tasks of the run", default: "segmentation,lowlight_enhance,inpaint,colorization"),
    ],
    distributed: true
) { args in
    let world = Communicator.world
    let dir = try args.required("--out")
    let iterations = try args.int("--iterations", atLeast: 1)!
    let samples = try args.int("--samples", atLeast: 2, why: "the losses of an iteration's masks are standardized into advantages")!
    let tasks = try args.required("--tasks")
    let count = try args.int("--count", atLeast: 2, why: "the search holds half of its prompts out")!
    guard tasks.split(separator: ",").count >= 2 else {
        throw UsageError("--tasks needs at least two tasks: scoring candidates compares tasks")
    }
    let model = try args.string("--model") ?? DefaultModel.path()
    let configuration = try ModelFile.readConfiguration(model)
    let canvas = configuration.imageSize
    // The search step is the demo's largest; refusing it here spares the steps before it.
    var settings = SearchSettings()
    (settings.iterations, settings.samplesPerIteration, settings.reward) = (iterations, samples, .tokens)
    settings.batchSize = WorkChunks.automaticSize(count: samples, ranks: world.size, maximum: 8)
    try searchMemoryBudget(settings, configuration: configuration,
                           variables: PatchVariables(configuration: configuration, granularity: .headGroup).count,
                           trainPrompts: count / 2, heldOutPrompts: count - count / 2, tasks: tasks.split(separator: ",").count,
                           promptsOption: "--count")
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

    for role in ["collect", "train", "eval"] {
        try step("prompts (\(role))", ["prompts", "export", "--source", "synthetic:0", "--role", role, "--count", String(count),
                                       "--canvas-size", String(canvas), "--tasks", tasks, "--out", path("prompts-\(role).h5")])
    }
    try step("collect", ["collect", "--model", model, "--prompts", path("prompts-collect.h5"), "--tasks", tasks,
                         "--out", path("activations.h5")])
    try step("score", ["score", "--activations", path("activations.h5"), "--granularity", "1", "--out", path("scores.h5"),
                       "--plot", path("scores.png")])
    try step("search", ["search", "--model", model, "--activations", path("activations.h5"),
                        "--prompts", path("prompts-train.h5"), "--task", "all", "--reward", "tokens",
                        "--iterations", String(iterations), "--samples", String(samples),
                        "--train-prompts", String(count / 2), "--eval-prompts", String(count - count / 2), "--eval-every", "10", "--plots", "--out", path("taskvectors.h5")])
    let taskList = tasks.split(separator: ",").map(String.init)
    try step("eval", ["eval", "--model", model, "--prompts", path("prompts-eval.h5"), "--tasks", tasks,
                      "--taskvectors", PathList.joined(taskList.map { path("taskvectors-\($0).h5") })]
             + ["--out", path("report")])

    if world.isRoot {
        try writeDemoReport(dir: dir, model: model, embedded: args.string("--model") == nil, timings: timings,
                            ranks: world.size, iterations: iterations, samples: samples)
        print("\ndemo finished: \(path("README.md"))")
    }
    return 0
}

struct DemoError: Error, CustomStringConvertible {
    let step: String
    let status: Int
    var description: String { "demo step '\(step)' failed (exit status \(status)); see its message above" }
}

private func writeDemoReport(dir: String, model: String, embedded: Bool, timings: [(step: String, seconds: Double)],
                             ranks: Int, iterations: Int, samples: Int) throws {
    let evaluation = (try? String(contentsOfFile: OutputFolder.file("report/report.md", in: dir), encoding: .utf8))
        ?? "(no evaluation report found)"
    let total = timings.map(\.seconds).reduce(0, +)
    var text = """
    # vtv demo

    Model: `\(model)`\(embedded
        ? " — the embedded default, vtv-small: a 112x112-canvas MAE-VQGAN trained by `tools/train` on synthetic prompts "
          + "of the same classes (model card: docs/model-card.md in the repository). The prompts below are scenes it never saw."
        : " (given with --model).")

    Ran on \(ranks) MPI rank(s) in \(String(format: "%.0f", total)) s: synthetic prompts, `vtv collect`, `vtv score`,
    a multi-task `vtv search` (token reward, \(iterations) iterations x \(samples) masks), `vtv eval`.

    | step | seconds |
    |---|---|

    """
    for t in timings { text += "| \(t.step) | \(String(format: "%.1f", t.seconds)) |\n" }
    text += """

    ## Evaluation

    \(evaluation)

    ## Figures

    Candidate taskness (variance of task means across tasks over within-task variance):

    ![scores](scores.png)

    Search loss and the final policy:

    ![loss](taskvectors-loss.png)

    ![probabilities](taskvectors-probabilities.png)

    Predictions (query, one-shot, zero-shot, zero-shot + task vectors, target):

    ![grid](report/grid.png)

    Files: `prompts-*.h5`, `activations.h5`, `scores.h5`, `taskvectors-<task>.h5`, `taskvectors.json`,
    `report/report.json`.
    """
    try StagedFile.write(Array(text.utf8), to: OutputFolder.file("README.md", in: dir))
}
