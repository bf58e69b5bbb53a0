import Model
import Storage

/// An activations file (`A.h5`, documented in docs/formats.md): per task, the float64 mean and
/// population variance of every head output over one-shot prompts, the prompt count and
/// identities, and the model's configuration and content hash.
///
///     /                      format="vtv-activations", version=1, model_hash, prompt_identity="content"
///     /config                the model configuration (attributes, as in a model file)
///     /tasks/<task>          count, prompts (strings)
///     /tasks/<task>/encoder_mean, encoder_var   float64 [encoder.depth, 148, heads, headWidth]
///     /tasks/<task>/decoder_mean, decoder_var   float64 [decoder.depth, 197, heads, headWidth]
///     /tasks/<task>/selection    only for curated tasks (`vtv collect --select-best`): `PromptCuration`
///     /tasks/<task>/prompt_encoder, prompt_decoder   float32 [count, ...], one chunk per prompt: every
///                                prompt's outputs, only with `vtv collect --per-prompt` (`PerPromptOutputs`)
public struct ActivationsFile {
    /// How the prompts of `TaskStatistics.prompts` are named, which decides what merging can check.
    public enum PromptNaming: Equatable, Sendable {
        /// By what each prompt is made of (`PromptSource.identity(of:)`): root attribute
        /// `prompt_identity` = "content".
        case content
        /// `<origin>#<index>`, as files written before `content` have it (no `prompt_identity`).
        /// The role is not part of it, so different roles of one synthetic seed share names.
        case originAndIndex
    }

    public var configuration: ModelConfiguration
    public var modelHash: String
    /// Statistics by task name.
    public var tasks: [String: TaskStatistics]
    public var promptNaming: PromptNaming
    /// How the prompts of curated tasks were chosen, by task name; tasks collected over the prompts
    /// they were given have none.
    public var curations: [String: PromptCuration]
    /// Where each task's per-prompt outputs are (files and their rows, in prompt order), for tasks
    /// that have them; read lazily (`PerPromptReader`), never loaded with the file.
    public var perPrompt: [String: [PerPromptOutputs]] = [:]

    public init(
        configuration: ModelConfiguration, modelHash: String, tasks: [String: TaskStatistics],
        promptNaming: PromptNaming = .content, curations: [String: PromptCuration] = [:]
    ) {
        precondition(Set(curations.keys).isSubset(of: tasks.keys), "a curation for a task without statistics")
        self.configuration = configuration
        self.modelHash = modelHash
        self.tasks = tasks
        self.promptNaming = promptNaming
        self.curations = curations
    }

    /// Task names, sorted.
    public var taskNames: [String] { tasks.keys.sorted() }

    /// The statistics of `task`, or an error naming the tasks the file has.
    public func statistics(_ task: String, file: String = "activations file") throws -> TaskStatistics {
        guard let s = tasks[task] else {
            throw SearchInputError.missingTask(file: file, task: task, available: taskNames)
        }
        return s
    }

    /// Reads and checks an activations file.
    public init(path: String) throws {
        let root = try FileKind.activations.open(path).root
        self = try FileKind.activations.reading(path) { try ActivationsFile(reading: root, path: path) }
    }

    private init(reading root: HDF5Group, path: String) throws {
        configuration = try FileHeader.configuration(in: root)
        modelHash = try FileHeader(reading: root, kind: .activations, path: path).modelHash ?? ""
        promptNaming = (try? root.attribute("prompt_identity").stringValue) == "content" ? .content : .originAndIndex
        let shapes = TaskStatistics.shapes(configuration)
        tasks = [:]
        curations = [:]
        for task in try root.children("tasks") {
            let group = try root.group("tasks/\(task)")
            let count = try group.attribute("count").intValue ?? 0
            func stats(_ name: String, _ shape: [Int]) throws -> RunningStatistics {
                RunningStatistics(
                    count: count, mean: try group.read("\(name)_mean", as: Double.self, shape: shape).values,
                    variance: try group.read("\(name)_var", as: Double.self, shape: shape).values)
            }
            let prompts: [String]
            switch try group.attribute("prompts") {
            case .strings(let list): prompts = list
            case .string(let one): prompts = [one]
            default: prompts = []
            }
            tasks[task] = TaskStatistics(
                encoder: try stats("encoder", shapes.encoder),
                decoder: try stats("decoder", shapes.decoder), prompts: prompts)
            if let curation = try PromptCuration.read(in: group, task: task) {
                guard curation.chosen.count == count else {
                    throw SearchInputError.invalid(
                        "task '\(task)' counts \(count) prompts but its selection chose \(curation.chosen.count)")
                }
                curations[task] = curation
            }
            if try PerPromptOutputs.present(in: group, task: task, count: count, configuration: configuration) {
                perPrompt[task] = [PerPromptOutputs(path: path, count: count)]
            }
        }
    }

    /// Tasks with per-prompt outputs, sorted.
    public var perPromptTasks: [String] { perPrompt.keys.sorted() }

    /// Writes the file atomically; per-prompt outputs are copied row by row from their files
    /// (deflated at `gzipLevel` when given).
    public func write(to path: String, gzipLevel: Int? = nil) throws {
        let file = try HDF5File.create(path)
        try write(into: file, gzipLevel: gzipLevel)
        try file.commit()
    }

    /// Writes everything into `file`, a created file still open, without committing it. Datasets
    /// already there stay (`vtv collect --per-prompt` has written the per-prompt rows of its tasks).
    public func write(into file: HDF5File, gzipLevel: Int? = nil) throws {
        let root = file.root
        try FileHeader(kind: .activations, modelHash: modelHash).write(to: root, configuration: configuration)
        if promptNaming == .content { try root.setAttribute("prompt_identity", .string("content")) }
        let shapes = TaskStatistics.shapes(configuration)
        for task in taskNames {
            let s = tasks[task]!
            let group =
                root.exists("tasks/\(task)") ? try root.group("tasks/\(task)") : try root.createGroup("tasks/\(task)")
            try group.setAttribute("count", .int(s.count))
            try group.setAttribute("prompts", .strings(s.prompts))
            for (name, stats, shape) in [("encoder", s.encoder, shapes.encoder), ("decoder", s.decoder, shapes.decoder)]
            {
                try group.write("\(name)_mean", stats.mean, shape: shape)
                try group.write("\(name)_var", stats.variance, shape: shape)
            }
            try curations[task]?.write(in: group)
            if let sources = perPrompt[task] { try copyPerPrompt(task, from: sources, to: root, gzipLevel: gzipLevel) }
        }
    }

    /// Copies the per-prompt rows of `task` from `sources`, one prompt at a time.
    private func copyPerPrompt(_ task: String, from sources: [PerPromptOutputs], to root: HDF5Group, gzipLevel: Int?)
        throws
    {
        let total = sources.map(\.count).reduce(0, +)
        guard total == tasks[task]?.count else {
            throw SearchInputError.invalid(
                "task '\(task)' has \(tasks[task]?.count ?? 0) prompts but \(total) per-prompt rows")
        }
        try PerPromptOutputs.create(
            in: root, task: task, count: total, configuration: configuration, gzipLevel: gzipLevel)
        var row = 0
        for source in sources {
            let input = try FileKind.activations.open(source.path).root
            for i in 0..<source.count {
                let outputs = try PerPromptOutputs.read(row: i, task: task, in: input, configuration: configuration)
                try PerPromptOutputs.write(outputs, row: row, task: task, in: root)
                row += 1
            }
        }
    }

    /// The union of two collections of the same model: tasks present in both are merged exactly
    /// (as if collected in one run); a prompt present in both would be counted twice, so it is an error.
    /// Collections whose prompts are named differently (`PromptNaming`) cannot be checked, so they are refused,
    /// and so is a curated task present in both (the union of two selections is neither one).
    /// Per-prompt outputs are kept: a task's rows are the first file's then the second's, in the
    /// order of the merged prompt list; a task present in both with per-prompt outputs in only one
    /// is refused (the merged task would have them for some prompts only).
    public func merged(with other: ActivationsFile, names: (String, String) = ("first", "second")) throws
        -> ActivationsFile
    {
        guard other.modelHash == modelHash, other.configuration == configuration else {
            throw SearchInputError.differentModels(files: names, hashes: (modelHash, other.modelHash))
        }
        guard other.promptNaming == promptNaming else {
            let old = promptNaming == .originAndIndex ? names.0 : names.1
            throw SearchInputError.mixedPromptNaming(files: names, old: old)
        }
        var result = self
        for (task, stats) in other.tasks {
            if let mine = tasks[task] {
                let shared = Set(mine.prompts).intersection(stats.prompts)
                if !shared.isEmpty {
                    throw SearchInputError.overlappingPrompts(
                        files: names, task: task, examples: Array(shared.sorted().prefix(3)),
                        count: shared.count, namedByContent: promptNaming == .content)
                }
                if curations[task] != nil || other.curations[task] != nil {
                    throw SearchInputError.curatedMerge(
                        files: names, task: task,
                        curated: curations[task] != nil ? names.0 : names.1)
                }
                switch (perPrompt[task], other.perPrompt[task]) {
                case (nil, nil): break
                case let (mine?, theirs?): result.perPrompt[task] = mine + theirs
                default:
                    let (with, without) = perPrompt[task] != nil ? names : (names.1, names.0)
                    throw SearchInputError.invalid(
                        "task '\(task)' has every prompt's head outputs in \(with) (vtv collect --per-prompt) but not "
                            + "in \(without); merged, it would have them for some of its prompts only: collect "
                            + "\(without) with --per-prompt as well, or merge collections made without it")
                }
                result.tasks[task] = mine.merged(with: stats)
            } else {
                result.tasks[task] = stats
                result.curations[task] = other.curations[task]
                result.perPrompt[task] = other.perPrompt[task]
            }
        }
        return result
    }
}
