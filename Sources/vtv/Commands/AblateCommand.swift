import Analyses
import Distributed
import Foundation
import Outputs
import Pipeline

/// `vtv ablate`: the paper's ablations of one found set of task vectors, on held-out prompts.
let ablateCommand = Command(
    name: "ablate",
    summary: "ablate a found set of task vectors on held-out prompts (random sets, taskness curves, leave-one-out)",
    discussion: """
        Runs the set's task on the prompts (give held-out ones: e.g. role eval) one-shot, zero-shot and
        zero-shot with: the whole set; --draws random sets of its size (drawn uniformly from all candidates of
        its granularity, seed --draw-seed); the set's variables added in taskness order and the top-k of all
        candidates by taskness, k = 1..|set|; the set without each of its variables (leave-one-out importance:
        how much better the set does with it); the set's encoder variables only and its decoder variables only.
        The set patches its own vectors; variables outside it patch the task's means from --activations
        (the file the set was searched with). Taskness comes from --scores (vtv score, the set's granularity)
        or is computed over all tasks of --activations. Each cell is the mean over the prompts with a 95%
        interval and the share of the one-shot advantage recovered; random sets add the interval across draws.
        Prompts are split across MPI ranks and gathered in prompt order, so the report does not depend on the
        number of ranks. Rank 0 writes DIR/ablation.json (docs/formats.md#ablation-report), ablation.md and
        ablation.png, whole and together; nothing else in DIR is touched. Cost: 2 + 3|set| + --draws + 2
        zero-shot passes over the prompts.
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--activations", "A.h5", "the task means (vtv collect) of the set's task", required: true),
        .value("--scores", "S.h5", "taskness scores (default: computed over all tasks of --activations)"),
        .value("--draws", "N", "random sets of the set's size, at least 1", default: "20"),
        .value("--draw-seed", "N", "seed of the random sets, N >= 0", default: "0"),
        .value("--batch", "B", "prompts per forward pass, at least 1", default: "8"),
        .value("--out", "DIR", "the report folder to write", required: true)
    ] + promptSelectionOptions,
    positional: ["TV.h5"],
    distributed: true
) { args in
    // Dispatch has checked that TV.h5 is there.
    let path = args.positional[0]
    let model = try LoadedModel(
        path: try args.required("--model"), parts: [.mae, .vqganDecoder],
        sharing: try WeightSharing.forDistributedCommand())
    let prompts = try openPromptSelection(args, canvasSize: model.configuration.imageSize)
    try model.checkCanvas(prompts)
    let settings = AblationSettings(
        model: try model.analysisModel(batch: try args.int("--batch", atLeast: 1)!), taskVectorsPath: path,
        activationsPath: try args.required("--activations"), scoresPath: args.string("--scores"), prompts: prompts,
        draws: try args.int("--draws", atLeast: 1)!, seed: UInt64(try args.int("--draw-seed", atLeast: 0)!),
        out: try args.required("--out"))
    guard let report = try Ablation.run(settings, world: .world) else { return 0 }
    print(
        "\(report.taskVectors.task) (\(report.metric)): one-shot \(report.oneShot.summary.formatted()), zero-shot "
            + "\(report.zeroShot.summary.formatted()), set of \(report.set.variables.count) "
            + "\(report.set.summary.formatted()), random sets \(report.random.drawMeans.formatted()) (set beats "
            + String(format: "%.0f%%", report.random.setBeatsShare * 100) + ")")
    print("wrote " + Ablation.files.map { OutputFolder.file($0, in: settings.out) }.joined(separator: ", "))
    return 0
}
