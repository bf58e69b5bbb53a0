import Prompts

/// The files `vtv search` writes, named from --out: TV.h5 (or TV-<task>.h5 per task with
/// --task all), TV.json, with --plots TV-loss.png and TV-probabilities.png, and the checkpoint
/// (--checkpoint, or TV.checkpoint.h5).
struct SearchOutputs {
    let stem: String
    let taskVectors: [String]
    let json: String
    let plots: [String]
    let checkpoint: String

    /// `tasks`: the searched tasks, in order (`taskVectors[t]` is task t's file); nil for the plan
    /// made before the activations are read, which then names every file --task all could write.
    init(_ args: ParsedArguments, tasks: [String]? = nil) throws {
        let out = try args.required("--out")
        let stem = out.hasSuffix(".h5") ? String(out.dropLast(3)) : out
        self.stem = stem
        if let tasks {
            taskVectors = tasks.count == 1 ? [out] : tasks.map { "\(stem)-\($0).h5" }
        } else if try args.required("--task") == "all" {
            taskVectors = [out] + PromptTask.allCases.map { "\(stem)-\($0.rawValue).h5" }
        } else {
            taskVectors = [out]
        }
        json = stem + ".json"
        plots = args.flag("--plots") ? [stem + "-loss.png", stem + "-probabilities.png"] : []
        checkpoint = args.string("--checkpoint") ?? stem + ".checkpoint.h5"
    }
}
