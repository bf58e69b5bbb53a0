import Foundation
import Pipeline
import Search

/// `vtv activations merge`: one activations file from several collections of the same model.
let activationsMergeCommand = Command(
    name: "activations merge",
    summary: "merge activations files of one model (disjoint prompts) into one",
    discussion: """
        Tasks present in several files are combined exactly, as if collected in one run (counts, means and
        variances by Chan's formula); a task in one file only is copied. The files must come from the same
        model (equal model hashes), and no prompt may appear twice in one task. Per-prompt outputs (vtv collect
        --per-prompt) are kept, a task's rows in the order of its merged prompts (written uncompressed); a task
        held by several files with per-prompt outputs in only some of them is refused.
        """,
    options: [
        .value("--out", "A.h5", "the merged activations file to write", required: true)
    ],
    positional: ["A1.h5", "A2.h5..."]
) { args in
    let out = try args.required("--out")
    let merged = try mergeActivations(args.positional, out: out)
    let counts = merged.taskNames.map { "\($0) \(merged.tasks[$0]!.count)" }.joined(separator: ", ")
    print("wrote \(out): \(args.positional.count) files merged; prompts per task: \(counts)")
    return 0
}
