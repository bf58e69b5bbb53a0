import Foundation
import Search

/// `vtv activations info`: what an activations file holds.
let activationsInfoCommand = Command(
    name: "activations info",
    summary: "describe an activations file: model hash, tasks, prompt counts, shapes",
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
        return "    " + task.padding(toLength: width + 2, withPad: " ", startingAt: 0) + "\(s.count) prompts\(first)"
    }
    print("""
    \(path)
      model hash: \(file.modelHash)
      model:      encoder \(c.encoder.depth) x \(c.encoder.heads) heads of \(c.encoder.headWidth), decoder \(c.decoder.depth) x \(c.decoder.heads) heads of \(c.decoder.headWidth)
      shapes:     encoder_mean/var \(shape(shapes.encoder)), decoder_mean/var \(shape(shapes.decoder)) (float64; layer, one-shot token, head, feature)
      tasks:      \(file.taskNames.count)
    \(tasks.joined(separator: "\n"))
    """)
    return 0
}
