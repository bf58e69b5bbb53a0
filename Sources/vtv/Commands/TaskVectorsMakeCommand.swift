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
    let model = try LoadedModel(path: try args.required("--model"), parts: [])
    let space = PatchVariables(configuration: model.configuration, granularity: granularity)
    let variables: [Int], origin: String
    switch (args.string("--variables"), args.string("--top-k"), args.string("--scores")) {
    case (.some, nil, nil):
        variables = try parseVariables(args, "--variables", space: space)
        origin = "listed"
    case let (nil, .some, scoresPath?):
        // Beyond the candidates `top` would silently give fewer variables than asked for.
        let k = try args.int(
            "--top-k", in: 1...space.count,
            why: "the candidates of granularity \(granularity.rawValue) for this model")!
        let scores = try ScoresFile(path: scoresPath)
        guard scores.modelHash == model.hash else {
            throw SearchInputError.modelMismatch(
                file: scoresPath, kind: .scores, found: scores.modelHash, expected: model.hash)
        }
        guard scores.granularity == granularity else {
            throw SearchInputError.granularityMismatch(
                file: scoresPath, found: scores.granularity.rawValue,
                expected: granularity.rawValue)
        }
        variables = scores.top(k)
        origin = "top-\(k) by taskness over \(scores.tasks.joined(separator: ","))"
    case (nil, .some, nil):
        throw UsageError("--top-k needs --scores S.h5 (from vtv score)")
    default:
        throw UsageError("give either --variables LIST or --top-k K with --scores S.h5")
    }
    let activationsPath = try args.required("--activations")
    let task = try args.required("--task")
    let means = try model.activations(activationsPath).statistics(task, file: activationsPath)
        .means(configuration: model.configuration)
    let vectors = TaskVectors(
        task: task, variables: variables, granularity: granularity, means: means,
        modelHash: model.hash, origin: origin)
    let out = try args.required("--out")
    try vectors.write(to: out)
    print(
        "wrote \(out): \(task), \(variables.count) variable(s) of granularity \(granularity.rawValue) "
            + "(\(vectors.targets.count) head outputs; \(origin))")
    return 0
}
