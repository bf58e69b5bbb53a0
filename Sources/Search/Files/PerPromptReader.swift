import Model
import Storage

/// Reads one task's per-prompt outputs (`PerPromptOutputs`) one prompt at a time, from however many
/// files they lie in (a merged collection's rows stay in its inputs until written): only the chunk of
/// the prompt asked for is read.
public final class PerPromptReader {
    public let task: String
    public let configuration: ModelConfiguration
    /// Prompts, in the task's prompt order.
    public let count: Int
    private let sources: [(root: HDF5Group, count: Int)]
    private let files: [HDF5File]

    /// Opens the files of `task`'s per-prompt outputs; throws when the task has none.
    public init(_ activations: ActivationsFile, task: String) throws {
        guard let sources = activations.perPrompt[task] else {
            throw SearchInputError.invalid(
                "task '\(task)' has no per-prompt outputs (collect it with vtv collect --per-prompt)")
        }
        files = try sources.map { try FileKind.activations.open($0.path) }
        self.sources = zip(files, sources).map { ($0.root, $1.count) }
        self.task = task
        configuration = activations.configuration
        count = sources.map(\.count).reduce(0, +)
    }

    /// Prompt `index`'s one-shot head outputs.
    public func read(_ index: Int) throws -> HeadOutputs {
        precondition((0..<count).contains(index), "prompt \(index) outside 0..<\(count)")
        var row = index
        for source in sources {
            if row < source.count {
                return try PerPromptOutputs.read(row: row, task: task, in: source.root, configuration: configuration)
            }
            row -= source.count
        }
        fatalError("unreachable: row \(index) is within \(count)")
    }
}
