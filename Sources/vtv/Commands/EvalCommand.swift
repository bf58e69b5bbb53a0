import Distributed
import Foundation
import Imaging
import Model
import Pipeline
import Prompts
import Search

/// `vtv eval`: one-shot, zero-shot and zero-shot + task vectors on evaluation prompts, across MPI ranks.
let evalCommand = Command(
    name: "eval",
    summary: "score one-shot, zero-shot and zero-shot + task-vector prompting on evaluation prompts; write a report",
    discussion: """
        For each task and prompt: the one-shot prompt (the example pair and the query), the zero-shot prompt
        (the query alone) and, given task vectors, the zero-shot prompt with the task's head outputs patched.
        Each prediction is scored as the published code does (docs/paper.md#metrics): the VQGAN decodes the
        predicted token of every grid position and the answer quadrant is compared with the target
        (IoU for segmentation, normalized MSE otherwise). Means carry a 95% confidence interval over prompts:
        mean ± 1.96 * sample std / sqrt(n).
        Task vectors: --taskvectors TV.h5,TV2.h5 (one file per task, matched by the file's task), or
        --top-k K: the K variables of highest taskness (from --scores S.h5, or computed from --activations
        over all its tasks) with each task's means from --activations A.h5.
        Prompts are split across MPI ranks in contiguous blocks and gathered in prompt order, so the report's
        metrics do not depend on the number of ranks (with one BLAS thread per rank). Rank 0 writes DIR/report.json (every number, per-prompt
        metrics), DIR/report.md (the table, FLOPs of the MAE alone and with the VQGAN decoding as the paper counts
        them, timing) and DIR/grid.png (the first --grid prompts of each
        task: query, the three predictions and the target) into DIR (made if missing), each file whole and
        all three together; nothing else in DIR is touched.
        --into-one-shot A (with task vectors; the published code's --zero_shot 0): every evaluated task B's
        vectors (A's own included) are also patched into task A's one-shot prompts, at the same canvas
        positions (cls, the query and the answer quadrant; the example rows are left as the prompt makes
        them). Each output is scored against A's target with A's metric and against B's target for the same
        prompt index (the same image, B's target as the source builds it) with B's metric, next to the
        unpatched one-shot output against B's target: which task the output follows. Reported for every
        pair (A, B) of evaluated tasks, so every task the prompt source builds for one image (the base and
        composite tasks of synthetic and PASCAL sources; a pairs:DIR source has the one task 'pairs').
        report.json: one_shot_patched; report.md: a table.
        Transfer: the report names the task vectors' source (each file's origin: how its variables were
        chosen; the prompts its means were averaged over: image sources, classes and PASCAL-5i folds; the
        file) and the target prompts they are applied to (the --prompts/--source and --role of this run,
        with their sources, classes and folds), and marks a transfer (task_vectors.transfer: another image
        source or other folds), so vectors found on one prompt source or fold can be scored on another
        (e.g. --source synthetic:0:folds=0 for collect and search, synthetic:0:folds=1 here). Task vectors
        are refused when made with another model (content hash); --allow-other-model accepts the files of a
        sibling model of the same configuration (e.g. another seed or checkpoint of one architecture), and
        the report records the vectors' model hash (task_vectors.other_model_hash) next to the evaluated
        model's. A file of another configuration is refused even then.
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--tasks", "LIST", "tasks to evaluate (default: the tasks of the --taskvectors files, else 'base')"),
        .value(
            "--taskvectors", "TV.h5,...",
            "task-vectors files, comma-separated, one per task (write a comma inside "
                + "a path as \\, and a backslash as \\\\)"),
        .value("--top-k", "K", "instead of files: patch the K variables of highest taskness (K >= 1)"),
        .value("--scores", "S.h5", "with --top-k: taskness scores (default: computed from --activations)"),
        .value("--activations", "A.h5", "with --top-k: the task means to patch (vtv collect)"),
        .value(
            "--granularity", "G",
            "variables' granularity: checked against the files; with --top-k and no "
                + "--scores the one scored (default 1)"),
        .value("--batch", "B", "prompts per forward pass, at least 1", default: "8"),
        .value("--grid", "N", "prompts per task shown in grid.png (0: no figure)", default: "4"),
        .value("--out", "DIR", "the report folder to write", required: true),
        .flag(
            "--allow-other-model",
            "accept --taskvectors files of a sibling model (another content hash, the same configuration)"),
        .value(
            "--into-one-shot", "TASK",
            "with task vectors: also patch every evaluated task's vectors into TASK's one-shot prompts and "
                + "score them against both tasks' targets")
    ] + promptSelectionOptions,
    distributed: true
) { args in
    try runEvalCommand(args)
}

private func runEvalCommand(_ args: ParsedArguments) throws -> Int32 {
    let granularity = try args.int("--granularity", in: 0...2, why: "0 heads, 1 head x token group, 2 head x token")
        .map { PatchVariables.Granularity(rawValue: $0)! }
    let taskVectors: TaskVectorChoice
    switch (try args.paths("--taskvectors"), try args.int("--top-k", atLeast: 1)) {
    case (.some, .some): throw UsageError("give either --taskvectors or --top-k, not both")
    case let (paths?, nil):
        for option in ["--scores", "--activations"] where args.string(option) != nil {
            throw UsageError("\(option) goes with --top-k; --taskvectors files already hold their vectors")
        }
        taskVectors = .files(paths)
    case let (nil, k?):
        guard let activations = args.string("--activations") else {
            throw UsageError("--top-k needs --activations A.h5: the task means that are patched")
        }
        taskVectors = .topK(k, activations: activations, scores: args.string("--scores"))
    case (nil, nil):
        for option in ["--scores", "--activations", "--granularity"] where args.string(option) != nil {
            throw UsageError("\(option) goes with --top-k")
        }
        taskVectors = .none
    }
    let settings = EvaluationSettings(
        model: try args.required("--model"), prompts: promptInput(args),
        tasks: args.string("--tasks") != nil ? try parseTasks(args) : nil, taskVectors: taskVectors,
        granularity: granularity, batch: try args.int("--batch", atLeast: 1)!,
        grid: try args.int("--grid", atLeast: 0)!,
        out: try args.required("--out"), intoOneShot: try parseIntoOneShot(args),
        allowOtherModel: args.flag("--allow-other-model"))
    guard let report = try runEvaluation(settings, world: .world) else { return 0 }
    for result in report.tasks {
        let cells = report.modes.map { "\($0.title) \(result.result($0)!.summary.formatted())" }
        print("\(result.task) (\(result.metric)): \(cells.joined(separator: ", "))")
    }
    for result in report.tasks {
        if let other = result.taskVectors?.otherModelHash {
            print(
                "note: the \(result.task) task vectors were made with model \(other), not the evaluated model "
                    + "\(report.model.hash) (--allow-other-model)")
        }
    }
    for row in report.oneShotPatched ?? [] {
        print(
            "\(row.vectorsTask) vectors into \(row.promptTask) one-shot: vs \(row.promptTask) target "
                + "\(row.patchedVersusPromptTask.summary.formatted()), vs \(row.vectorsTask) target "
                + "\(row.patchedVersusVectorsTask.summary.formatted()) (unpatched "
                + "\(row.plainVersusVectorsTask.summary.formatted()))")
    }
    print(
        "wrote \(settings.out)/report.json, report.md" + (settings.grid > 0 ? ", grid.png" : "")
            + String(
                format:
                    "; zero-shot + TV uses %.1f%% fewer MAE FLOPs than one-shot, %.1f%% fewer counting the VQGAN decoding "
                    + "(the paper's count)", report.flops.reductionVersusOneShot * 100,
                report.flops.reductionWithVQGANVersusOneShot * 100))
    return 0
}

/// `--into-one-shot TASK`, a known task.
private func parseIntoOneShot(_ args: ParsedArguments) throws -> PromptTask? {
    guard let name = args.string("--into-one-shot") else { return nil }
    guard let task = PromptTask(rawValue: name) else {
        throw UsageError(
            "--into-one-shot: unknown task '\(name)'; one of "
                + PromptTask.every.map(\.rawValue).joined(separator: ", "))
    }
    return task
}
