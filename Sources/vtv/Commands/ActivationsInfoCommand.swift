import Foundation
import Pipeline
import Search

/// `vtv activations info`: what an activations file holds.
let activationsInfoCommand = Command(
    name: "activations info",
    summary: "describe an activations file: model hash, tasks, prompt counts, shapes, how prompts were chosen",
    positional: ["A.h5"]
) { args in
    let path = args.positional[0]
    let file = try ActivationsFile(path: path)
    let c = file.configuration
    let shapes = TaskStatistics.shapes(c)
    func shape(_ s: [Int]) -> String { "[" + s.map(String.init).joined(separator: ", ") + "]" }
    let width = file.taskNames.map(\.count).max() ?? 0
    let tasks = file.taskNames.map { task -> String in
        let s = file.tasks[task]!
        let first = s.prompts.first.map { ", first \($0)" } ?? ""
        let line =
            "    " + task.padding(toLength: width + 2, withPad: " ", startingAt: 0) + "\(s.count) prompts\(first)"
        let how = file.curations[task].map { "curated: \($0.summary)" } ?? "the prompts as given"
        return line + "\n    " + String(repeating: " ", count: width + 2) + how
    }
    let curated = file.taskNames.filter { file.curations[$0] != nil }
    let selection =
        curated.isEmpty
        ? "none: every task's mean is over the prompts it was given"
        : "\(curated.count) of \(file.taskNames.count) tasks over their best one-shot prompts (vtv collect --select-best)"
    let perPrompt =
        file.perPromptTasks.isEmpty
        ? "none (vtv collect --per-prompt stores every prompt's outputs)"
        : "\(file.perPromptTasks.joined(separator: ", ")): every prompt's outputs, float32, one chunk per prompt "
            + "(\(formatBytes(Double(PerPromptOutputs.bytesPerPrompt(c)))) each)"
    print(
        """
        \(path)
          model hash: \(file.modelHash)
          model:      encoder \(c.encoder.depth) x \(c.encoder.heads) heads of \(c.encoder.headWidth), decoder \(c.decoder.depth) x \(c.decoder.heads) heads of \(c.decoder.headWidth)
          shapes:     encoder_mean/var \(shape(shapes.encoder)), decoder_mean/var \(shape(shapes.decoder)) (float64; layer, one-shot token, head, feature)
          tasks:      \(file.taskNames.count)
          curated:    \(selection)
          per-prompt: \(perPrompt)
        \(tasks.joined(separator: "\n"))
        """)
    return 0
}
