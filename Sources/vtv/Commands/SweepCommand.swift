import Distributed
import Foundation
import Pipeline
import Prompts
import Search

/// Options `vtv sweep` takes exactly as `vtv search` does.
private let sharedSearchOptions: Set<String> = [
    "--model", "--activations", "--iterations", "--samples", "--train-prompts", "--eval-prompts", "--eval-every",
    "--lr",
    "--init-logit", "--sparsity", "--baseline", "--check", "--scores", "--start-top", "--start-logit", "--batch",
    "--checkpoint-every", "--resume", "--final"
]

/// `vtv sweep`: several searches in one MPI job, the world split into groups that each run one.
let sweepCommand = Command(
    name: "sweep",
    summary: "run several searches (tasks x mask seeds x granularities x rewards x stacks) in one MPI job",
    discussion: """
        Every combination of the comma-separated --task, --mask-seed, --granularity, --reward and --stacks values
        is one search with the other options shared, written to DIR/<task>-seed<S>-g<G>-<reward>[-<stacks>].h5
        with its .json report and .checkpoint.h5. The ranks are split into groups sized in proportion to each
        search's cost (the pixel reward costs about 6 times the tokens reward), at least one rank each; with more
        searches than ranks each rank runs several, one after another. Each search writes exactly what
        `vtv search` writes for it alone (with --batch auto, the batch is chosen for its group's ranks; give a
        number for files identical to a search on any number of ranks). Rank 0 prints one progress line
        and writes DIR/sweep.md and DIR/sweep.json: each run's settings, best held-out loss and iteration,
        chosen variables, output file and seconds. A signal stops every search at its next iteration with its
        checkpoint written; --resume skips the finished searches and continues the others.
        The study of how stable the found vectors are: --task all --mask-seed 0,1,2,3,4.
        """,
    options: searchCommand.options.filter { sharedSearchOptions.contains($0.name) } + [
        .value(
            "--task", "T,T...|all", "the tasks, one search each ('all': every task of the activations file)",
            required: true),
        .value("--mask-seed", "N,N...", "the mask seeds (each run's masks and --final sample), N >= 0", default: "0"),
        .value(
            "--granularity", "G,G...", "granularities: 0 (heads), 1 (head x token group), 2 (head x token)",
            default: "1"),
        .value("--reward", "R,R...", "rewards: pixel (the paper), tokens", default: "pixel"),
        .value("--stacks", "S,S...", "stacks: both, encoder, decoder", default: "both"),
        .value(
            "--task-baseline", "T=B,...",
            "a task's own baseline (batch|prompt|leave-one-out), replacing --baseline for its searches, e.g. "
                + "colorization=prompt (what vtv demo does); none: every search takes --baseline", default: "none"),
        .value("--out", "DIR", "the folder of every search's files and the summary", required: true)
    ] + promptSelectionOptions,
    distributed: true
) { args in
    try runSweepCommand(args)
}

private func runSweepCommand(_ args: ParsedArguments) throws -> Int32 {
    let world = Communicator.world
    var base = SearchSettings()
    try readSharedSearchSettings(args, into: &base)
    let job = SweepJob(
        model: try args.required("--model"), prompts: promptInput(args), runs: try sweepRuns(args), base: base,
        batchSize: args.string("--batch") == "auto" ? nil : try args.int("--batch", atLeast: 1)!,
        final: try finalSelectionRule(args),
        activations: try args.required("--activations"), start: try searchStart(args),
        checkpointEvery: try args.int("--checkpoint-every", atLeast: 1)!, resume: args.flag("--resume"),
        folder: try args.required("--out"))
    for run in job.runs {
        if let problem = run.settings(base).problems.first { throw UsageError("run \(run.name): \(problem)") }
    }
    let report = try runSweep(job, world: world)
    let result = report.result
    guard world.isRoot else { return result.stopped ? 130 : 0 }
    for (g, group) in result.plan.groups.enumerated() where !group.runs.isEmpty {
        print(
            "sweep: group \(g), ranks \(group.firstRank)...\(group.firstRank + group.size - 1): "
                + group.runs.map { job.runs[result.plannedRuns[$0]].name }.joined(separator: ", "))
    }
    let counts = Dictionary(grouping: result.statuses, by: { $0 }).mapValues(\.count)
    print(
        "sweep: \(counts[.finished] ?? 0) finished, \(counts[.skipped] ?? 0) finished before, \(counts[.stopped] ?? 0) stopped; "
            + "wrote " + SweepSummary.files.map { job.folder + "/" + $0 }.joined(separator: ", "))
    if result.stopped {
        print("sweep: stopped by a signal; rerun with --resume to continue the unfinished searches")
        return 130
    }
    return 0
}
