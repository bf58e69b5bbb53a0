import Analyses
import Distributed
import Foundation
import Outputs
import Pipeline

/// `vtv taskvectors combine`: task-vector arithmetic on a composite task.
let taskVectorsCombineCommand = Command(
    name: "taskvectors combine",
    summary: "patch the union of two tasks' task vectors into their composite task; compare with each alone",
    discussion: """
        A.h5 and B.h5 are the sets of two tasks whose composite vtv builds: lowlight_enhance + inpaint make
        lowlight_inpaint (a dark, holed query; the answer is the whole image), segmentation + inpaint make
        segmentation_holed_query (a holed query; the answer is the whole image's class mask). On the
        composite's prompts (give held-out ones, e.g. role eval; a prompts file must hold the composite, as
        --source synthetic does) it scores one-shot, zero-shot, each set alone, their union and, with
        --composite C.h5, the set a search found on the composite itself (make it with
        vtv collect --tasks ... including the composite, then vtv search --tasks lowlight_inpaint or
        segmentation_holed_query). The union patches every variable of either set with its own set's vector;
        --shared says what a variable both sets chose gets: mean (default; each task's vector counts half),
        first or second. Files of other models or granularities and empty sets are refused. Prompts are
        split across MPI ranks and gathered in prompt order, so the report does not depend on the number of
        ranks. Rank 0 writes DIR/combine.json (docs/formats.md#combination-report), combine.md, combine.png and
        union.h5 (the union as a task-vectors file of the composite task), whole and together; nothing else
        in DIR is touched.
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--composite", "C.h5", "the set vtv search found on the composite task, to compare with"),
        .value("--shared", "RULE", "the vector of a variable both sets chose: mean, first or second", default: "mean"),
        .value("--batch", "B", "prompts per forward pass, at least 1", default: "8"),
        .value("--out", "DIR", "the report folder to write", required: true)
    ] + promptSelectionOptions,
    positional: ["A.h5", "B.h5"],
    distributed: true
) { args in
    let word = args.string("--shared") ?? "mean"
    guard let shared = SharedVariableRule(rawValue: word) else {
        throw UsageError("--shared must be mean, first or second; got '\(word)'")
    }
    let model = try LoadedModel(
        path: try args.required("--model"), parts: [.mae, .vqganDecoder],
        sharing: try WeightSharing.forDistributedCommand())
    let prompts = try openPromptSelection(args, canvasSize: model.configuration.imageSize)
    try model.checkCanvas(prompts)
    let settings = CombinationSettings(
        model: try model.analysisModel(batch: try args.int("--batch", atLeast: 1)!),
        firstPath: args.positional[0], secondPath: args.positional[1], compositePath: args.string("--composite"),
        shared: shared, prompts: prompts, out: try args.required("--out"))
    guard let report = try Combination.run(settings, world: .world) else { return 0 }
    let cells =
        [
            ("one-shot", report.oneShot), ("zero-shot", report.zeroShot), (report.first.task, report.first.result),
            (report.second.task, report.second.result), ("union", report.union)
        ] + (report.composite.map { [("searched on \(report.task)", $0.result)] } ?? [])
    print(
        "\(report.task) (\(report.metric)): "
            + cells.map { "\($0.0) \($0.1.summary.formatted())" }.joined(separator: ", "))
    print("wrote " + Combination.files.map { OutputFolder.file($0, in: settings.out) }.joined(separator: ", "))
    return 0
}
