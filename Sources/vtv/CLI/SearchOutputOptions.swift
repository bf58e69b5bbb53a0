import Pipeline

extension SearchOutputs {
    /// `tasks`: the searched tasks, in order (`taskVectors[t]` is task t's file); nil for the plan
    /// made before the activations are read, which then names every file --task all could write.
    init(_ args: ParsedArguments, tasks: [String]? = nil) throws {
        self.init(
            out: try args.required("--out"), task: try args.required("--task"), tasks: tasks,
            plots: args.flag("--plots"),
            checkpoint: args.string("--checkpoint"))
    }
}
