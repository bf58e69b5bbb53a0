import Figures
import Foundation
import Imaging
import Model
import Pipeline
import Plotting
import Search

/// `vtv score`: rank the candidate variables by taskness (docs/paper.md#taskness).
let scoreCommand = Command(
    name: "score",
    summary: "rank candidate head outputs by taskness (between-task over within-task variance)",
    discussion: """
        For each candidate variable of --granularity, score = sum over the head outputs it patches (at
        their one-shot source positions) and over the head's features of
        Var_k(mean_k) / (Mean_k(var_k) + 1e-6), k running over --tasks (docs/formats.md, "Scores file").
        Writes the scores and the ranking to S.h5, prints the --top best and, with --plot, a heatmap of
        log10(score) per layer and head: one panel per stack and token group (granularity 2: the scores
        summed over each head's tokens).
        --geometry DIR writes the tasks' geometry into DIR (docs/formats.md, "Task geometry"): the cosine
        similarity between task means per head (tasks x tasks x layer x head in geometry.json, averaged over
        heads in geometry.md, heatmaps in cosines.png); and when the activations file holds per-prompt outputs
        (vtv collect --per-prompt) of at least two of the tasks, the mean cosine between prompts of one task
        and of two tasks per head (clustering.png), and every prompt's output at one head projected on its
        first two principal components, coloured by task (projection.png, coordinates in geometry.json): the
        head whose prompts cluster most by task, or --projection-head.
        """,
    options: [
        .value("--activations", "A.h5", "task means and variances from vtv collect", required: true),
        .value(
            "--tasks", "LIST", "comma-separated tasks to compare, or 'all' (every task in the file)", default: "all"),
        .value("--granularity", "G", "0 (heads), 1 (head x token group) or 2 (head x token)", default: "1"),
        .value("--out", "S.h5", "the scores file to write", required: true),
        .value("--plot", "S.png", "also draw the scores as a heatmap PNG"),
        .value("--top", "N", "how many of the best candidates to print (0: none)", default: "20"),
        .value("--geometry", "DIR", "also write the task geometry (cosines, clustering, projection) into DIR"),
        .value(
            "--projection-head", "STACK:L:H",
            "the head to project, e.g. decoder:1:3 (default: the one clustering most by task)")
    ]
) { args in
    let granularity = try parseGranularity(args)
    let top = try args.int("--top", atLeast: 0)!
    let settings = ScoreSettings(
        activations: try args.required("--activations"),
        tasks: args.string("--tasks") == "all" ? nil : args.list("--tasks")!, granularity: granularity,
        out: try args.required("--out"), plot: args.string("--plot"), geometry: args.string("--geometry"),
        projectionHead: args.string("--projection-head"))
    let report = try runScore(settings)
    let (scores, tasks) = (report.scores, report.tasks)
    let space = scores.space
    print(
        "taskness of \(space.count) candidates (granularity \(granularity.rawValue)) over \(tasks.joined(separator: ", ")); wrote \(settings.out)"
    )
    for (rank, v) in scores.ranking.prefix(top).enumerated() {
        let name = space.name(of: v).padding(toLength: 40, withPad: " ", startingAt: 0)
        print(String(format: "%4d  %6d  ", rank + 1, v) + name + String(format: " %.6g", scores.scores[v]))
    }
    if let plot = settings.plot { print("wrote \(plot)") }
    if let summary = report.geometrySummary, let folder = settings.geometry { print("\(summary); wrote \(folder)") }
    return 0
}
