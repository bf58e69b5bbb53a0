import Prompts

/// Where a stage's prompts come from. A stage opens them once it knows the tasks it needs and the
/// canvas side of its model (generated prompts are drawn at that size), and checks that the
/// selection holds every task.
public struct PromptInput {
    /// Opens the prompts for `tasks` on canvases of `canvasSize` pixels.
    public let open: (_ tasks: [PromptTask], _ canvasSize: Int) throws -> PromptSelection

    public init(_ open: @escaping (_ tasks: [PromptTask], _ canvasSize: Int) throws -> PromptSelection) {
        self.open = open
    }

    /// Prompts already selected (e.g. `PromptSelection(source: SyntheticPromptSource(...), ...)`).
    public static func selection(_ selection: PromptSelection) -> PromptInput {
        PromptInput { tasks, _ in
            try selection.source.requireTasks(tasks)
            return selection
        }
    }
}
