import Foundation
import Imaging
import Model
import Pipeline
import Prompts
import Search
import Storage

/// `vtv infer`: one prompt through MAE-VQGAN, with the logits, tokens, image and metric.
let inferCommand = Command(
    name: "infer",
    summary: "run one prompt of a prompts file through the model (one-shot, zero-shot or patched) and score it",
    discussion: """
        Writes /logits [positions, vocabulary], /tokens (argmax per predicted position), /canvas_tokens
        (int32 [grid*grid], the VQGAN tokens of the input canvas), /decoded_tokens (the grid the VQGAN
        decodes: zero-shot predictions duplicated into the top half), /image
        (uint8 [H, W, 3], the decoded prediction the published code scores) and the attribute `metric`
        (IoU for segmentation, normalized MSE otherwise, on the hole quadrant) with `metric_name`.
        --mode patched runs the prompt zero-shot (no example) with task vectors written over head outputs
        (docs/paper.md#head-outputs): either --patch-variables of --granularity with the task's means from
        --activations (zero-shot token a > 0 takes the mean at one-shot position a + 98, cls 0), or a
        task-vectors file (--taskvectors, from vtv search or vtv taskvectors make), which carries its vectors.
        --mode patched-one-shot writes the same vectors into the one-shot prompt instead (the published code's
        --zero_shot 0): each head output moves to the one-shot token at the same canvas position (cls stays 0,
        zero-shot token a > 0 is one-shot token a + 98), so the query and answer positions are patched and the
        example rows are left as the prompt makes them. With vectors of another task B (e.g. colorization
        vectors into a segmentation prompt), the prediction is also scored against B's target for the same
        prompt index (attributes taskvectors_task_metric, taskvectors_task_metric_name): which task the
        output follows. The prompts file must hold B's canvas for the index.
        A --taskvectors file made with another model is refused (content hash); --allow-other-model accepts
        one of a sibling model of the same configuration (noted on stderr). Another configuration is refused.
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--prompts", "P.h5", "the prompts file", required: true),
        .value("--index", "I", "prompt index, 0...count-1", required: true),
        .value("--task", "T", "task name (e.g. segmentation)", required: true),
        .value("--mode", "MODE", "one-shot, zero-shot, patched or patched-one-shot", default: "one-shot"),
        .value("--activations", "A.h5", "patched: task means from vtv collect (with --patch-variables)"),
        .value(
            "--granularity", "G",
            "patched: 0, 1 or 2, the numbering of --patch-variables (default 1); "
                + "checked against --taskvectors"),
        .value("--patch-variables", "LIST", "patched: comma-separated variables to patch with the task's means"),
        .value("--taskvectors", "TV.h5", "patched: a task-vectors file to apply"),
        .flag("--allow-other-model", "with --taskvectors: accept a sibling model's file (the same configuration)"),
        .value("--out", "R.h5", "result file to write", required: true),
        .value("--png", "R.png", "also write the predicted image as PNG")
    ]
) { args in
    let modeName =
        try args.choice("--mode", PromptMode.allCases.map(\.rawValue) + ["patched", "patched-one-shot"]) ?? "one-shot"
    let patched = modeName.hasPrefix("patched")
    let mode = PromptMode(rawValue: modeName) ?? .zeroShot
    let taskName = try args.required("--task")
    guard let task = PromptTask(rawValue: taskName) else {
        throw UsageError(
            "unknown task '\(taskName)'; one of " + PromptTask.every.map(\.rawValue).joined(separator: ", "))
    }
    guard let index = try args.int("--index", atLeast: 0) else { throw UsageError("--index expects an integer") }
    let patchOptions = ["--activations", "--granularity", "--patch-variables", "--taskvectors"]
    if !patched, let given = patchOptions.first(where: { args.string($0) != nil }) {
        throw UsageError("\(given) applies to --mode patched or patched-one-shot")
    }
    if args.flag("--allow-other-model"), args.string("--taskvectors") == nil {
        throw UsageError("--allow-other-model applies to --taskvectors files (a patched mode)")
    }
    var patch: InferencePatch?
    if patched {
        switch (args.string("--taskvectors"), args.string("--patch-variables")) {
        case let (path?, nil):
            if args.string("--activations") != nil {
                throw UsageError("--taskvectors carries its own vectors; --activations goes with --patch-variables")
            }
            patch = .taskVectors(
                path, granularity: args.string("--granularity") == nil ? nil : try parseGranularity(args),
                allowOtherModel: args.flag("--allow-other-model"))
        case (nil, .some):
            guard let path = args.string("--activations") else {
                throw UsageError("--patch-variables needs --activations A.h5 (the task means to patch with)")
            }
            patch = .variables(
                try parseVariableList(args, "--patch-variables"), granularity: try parseGranularity(args),
                activations: path)
        case (.some, .some):
            throw UsageError("give either --patch-variables (with --activations) or --taskvectors, not both")
        case (nil, nil):
            throw UsageError(
                "--mode \(modeName) needs --patch-variables LIST with --activations A.h5, or --taskvectors TV.h5")
        }
    }
    let settings = InferSettings(
        model: try args.required("--model"), prompts: try args.required("--prompts"), index: index, task: task,
        mode: mode, patch: patch, out: try args.required("--out"), png: args.string("--png"),
        patchInto: modeName == "patched-one-shot" ? .oneShot : .zeroShot)
    let report = try runInfer(settings)
    let patchNote =
        report.vectors.map { " (\($0.variables.count) variables, \($0.targets.count) head outputs patched)" } ?? ""
    var followsNote = ""
    if let vectors = report.vectors, let other = report.vectorsTaskScore {
        followsNote =
            "; against the \(vectors.task) target \(other.metric.rawValue) \(String(format: "%.6f", other.score))"
    }
    print(
        "\(task.rawValue) prompt \(index) \(modeName)\(patchNote): \(report.metric.rawValue) "
            + "\(String(format: "%.6f", report.score))\(followsNote); wrote \(settings.out)")
    return 0
}
