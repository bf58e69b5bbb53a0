import Analyses
import Foundation
import Outputs
import Pipeline

/// `vtv taskvectors compare`: placement and stability of several sets of task vectors.
let taskVectorsCompareCommand = Command(
    name: "taskvectors compare",
    summary: "compare where sets of task vectors lie and how much they agree (seeds, folds, rewards)",
    discussion: """
        Reads two or more task-vectors files made with one model at one granularity (e.g. vtv search with
        several --mask-seed, folds or rewards) and reports: how many sets chose each candidate (stack, layer,
        head, group), each set's encoder share, the pairwise Jaccard overlap |A ∩ B| / |A ∪ B| beside what
        random sets of the same sizes would share, and the chosen variables per layer with their spread
        (sample standard deviation) across the sets. Files of other models or granularities, files of
        other kinds and empty sets are refused. Runs no model, so it is not distributed: under mpirun rank 0
        does it alone. Writes DIR/compare.json (docs/formats.md#comparison-report), compare.md and
        compare.png, whole and together; nothing else in DIR is touched.
        """,
    options: [.value("--out", "DIR", "the report folder to write", required: true)],
    positional: ["A.h5", "B.h5..."]
) { args in
    let settings = ComparisonSettings(paths: args.positional, out: try args.required("--out"))
    let report = try PlacementComparison.run(settings)
    print(
        "\(report.sets.count) sets of \(report.sets.map { "\($0.variables.count)" }.joined(separator: ", ")) "
            + "variables: mean pairwise Jaccard " + String(format: "%.3f", report.meanJaccard) + " (random sets: "
            + String(format: "%.3f", report.chanceJaccard) + "), encoder share "
            + String(
                format: "%.0f%% ± %.0f%%", report.encoderShareMean * 100, report.encoderShareStandardDeviation * 100)
            + ", \(report.chosenByAll) candidate(s) chosen by every set")
    print("wrote " + PlacementComparison.files.map { OutputFolder.file($0, in: settings.out) }.joined(separator: ", "))
    return 0
}
