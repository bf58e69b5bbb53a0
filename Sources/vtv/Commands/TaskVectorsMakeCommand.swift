import Foundation
import Model
import Pipeline
import Search

/// `vtv taskvectors make`: a task-vectors file from chosen variables, without a search.
let taskVectorsMakeCommand = Command(
    name: "taskvectors make",
    summary: "build a task-vectors file from listed variables or the top-k by taskness, without a search",
    discussion: """
        Takes the task's one-shot means from the activations file at the source position of every head
        output the chosen variables patch (zero-shot token a > 0 takes one-shot position a + 98, cls 0), and
        writes them with the variables to TV.h5 (docs/formats.md, "Task-vectors file"). Variables are numbered
        as in docs/paper.md#search-space; --top-k takes the k best of a scores file (vtv score) of the same model
        and granularity. Apply the file with `vtv infer --mode patched --taskvectors TV.h5`.
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--activations", "A.h5", "task means from vtv collect (same model)", required: true),
        .value("--task", "T", "the task whose means become the vectors", required: true),
        .value("--granularity", "G", "0 (heads), 1 (head x token group) or 2 (head x token)", default: "1"),
        .value("--variables", "LIST", "comma-separated variables to patch"),
        .value("--top-k", "K", "patch the K best-scored variables of --scores (1 to the number of candidates)"),
        .value("--scores", "S.h5", "the scores file --top-k ranks by (vtv score)"),
        .value("--out", "TV.h5", "the task-vectors file to write", required: true)
    ]
) { args in
    let granularity = try parseGranularity(args)
    let variables: VariableChoice
    switch (args.string("--variables"), args.string("--top-k"), args.string("--scores")) {
    case (.some, nil, nil): variables = .listed(try parseVariableList(args, "--variables"))
    case let (nil, .some, scores?): variables = .topK(try args.int("--top-k")!, scores: scores)
    case (nil, .some, nil): throw UsageError("--top-k needs --scores S.h5 (from vtv score)")
    default: throw UsageError("give either --variables LIST or --top-k K with --scores S.h5")
    }
    let settings = TaskVectorsSettings(
        model: try args.required("--model"), activations: try args.required("--activations"),
        task: try args.required("--task"), granularity: granularity, variables: variables,
        out: try args.required("--out"))
    let vectors = try makeTaskVectors(settings)
    print(
        "wrote \(settings.out): \(settings.task), \(vectors.variables.count) variable(s) of granularity "
            + "\(granularity.rawValue) (\(vectors.targets.count) head outputs; \(vectors.origin)); means over "
            + (vectors.meansFrom?.summary ?? "unrecorded prompts"))
    return 0
}
