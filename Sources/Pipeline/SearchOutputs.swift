import Prompts

/// The files `vtv search` writes, named from --out: TV.h5 (or TV-<task>.h5 per task with
/// --task all), TV.json, with --plots TV-loss.png and TV-probabilities.png, and the checkpoint
/// (--checkpoint, or TV.checkpoint.h5).
public struct SearchOutputs {
    public let stem: String
    public private(set) var taskVectors: [String]
    public let json: String
    public let plots: [String]
    public let checkpoint: String

    /// The files of a search writing `out` for `task` (a --task value); `tasks` as above.
    public init(out: String, task: String, tasks: [String]? = nil, plots: Bool = false, checkpoint: String? = nil) {
        let stem = out.hasSuffix(".h5") ? String(out.dropLast(3)) : out
        self.stem = stem
        if let tasks {
            taskVectors = tasks.count == 1 ? [out] : tasks.map { "\(stem)-\($0).h5" }
        } else if task == "all" {
            taskVectors = [out] + PromptTask.every.map { "\(stem)-\($0.rawValue).h5" }
        } else {
            taskVectors = [out]
        }
        json = stem + ".json"
        self.plots = plots ? [stem + "-loss.png", stem + "-probabilities.png"] : []
        self.checkpoint = checkpoint ?? stem + ".checkpoint.h5"
    }

    /// The same files once the searched tasks are known (`taskVectors[t]` is task t's file).
    public func resolved(tasks: [String]) -> SearchOutputs {
        var copy = self
        copy.taskVectors = tasks.count == 1 ? [taskVectors[0]] : tasks.map { "\(stem)-\($0).h5" }
        return copy
    }
}
