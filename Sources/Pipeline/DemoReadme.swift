import Foundation
import Search

/// The demo's report, DIR/README.md: the model, the steps and their seconds, each task's recovered
/// share of the one-shot advantage, the evaluation's report.md and the figures.
struct DemoReadme {
    let settings: DemoSettings
    let ranks: Int
    let timings: [(step: String, seconds: Double)]
    let evaluation: EvaluationReport
    /// Each task's share, in the evaluation's order.
    let shares: [(task: String, share: RecoveredShare)]
    /// The evaluation's report.md.
    let evaluationMarkdown: String

    /// A mean as the README and the console print it.
    static func number(_ value: Double) -> String { String(format: "%.4f", value) }

    var text: String {
        let total = timings.map(\.seconds).reduce(0, +)
        let (count, trainPrompts) = (settings.count, settings.trainPrompts)
        var text = """
            # vtv demo

            Model: `\(settings.model)`\(settings.embedded
            ? " — the embedded default, vtv-small: a 112x112-canvas MAE-VQGAN trained by `tools/train` on synthetic prompts "
              + "of the same classes (model card: docs/model-card.md in the repository). The prompts below are scenes it never saw."
            : " (given with --model).")

            Ran on \(ranks) MPI rank(s) in \(String(format: "%.0f", total)) s: synthetic prompts (`\(settings.promptSource)`: `--prompt-seed \(settings.promptSeed)`), `vtv collect` (each task's mean
            over the \(count) collect prompts), `vtv score`, one `vtv search` per task in a `vtv sweep` (\(settings.iterations) iterations x
            \(settings.samples) masks over \(trainPrompts) train prompts, the best policy chosen on the other \(count - trainPrompts);
            `\(settings.searchOptions.joined(separator: " "))`), `vtv eval` on the \(evaluation.prompts.indices.count) eval prompts.

            | step | seconds |
            |---|---|

            """
        for t in timings { text += "| \(t.step) | \(String(format: "%.1f", t.seconds)) |\n" }
        text += """

            ## Recovered share of the one-shot advantage

            How much of what showing the example gains (one-shot over zero-shot) the task vectors recover without
            it: (zero-shot + TV − zero-shot) / (one-shot − zero-shot), from the means of the evaluation below.
            100% means the patched zero-shot model does as well as one-shot prompting, 0% no better than
            zero-shot; below 0 it does worse than zero-shot.

            | task | one-shot | zero-shot | zero-shot + TV | recovered |
            |---|---|---|---|---|

            """
        for (task, share) in shares {
            text +=
                "| \(task) | "
                + [share.oneShot, share.zeroShot, share.taskVectors].map(Self.number).joined(separator: " | ")
                + " | \(share.formatted) |\n"
        }
        text += """

            ## Evaluation

            \(evaluationMarkdown)

            ## Figures

            Candidate taskness (variance of task means across tasks over within-task variance):

            ![scores](scores.png)

            Predictions (query, one-shot, zero-shot, zero-shot + task vectors, target):

            ![grid](report/grid.png)

            Files: `prompts-*.h5`, `activations.h5`, `scores.h5`, `search/` (each task's `<task>-seed0-g1-\(DemoSettings.reward.rawValue).h5`
            task vectors and `.json` search report, and the sweep's `sweep.md`), `report/report.json`.
            """
        return text
    }
}
