import Foundation
import Model
import Search

/// Which variables a task-vectors file patches, when no search chose them.
public enum VariableChoice {
    /// These variables (any order, repeats ignored), each among the candidates of the granularity.
    case listed([Int])
    /// The `k` best of a scores file (vtv score) of the same model and granularity.
    case topK(Int, scores: String)
}

/// What `vtv taskvectors make` does (`makeTaskVectors`): a task-vectors file from chosen variables
/// and a task's one-shot means, without a search.
public struct TaskVectorsSettings {
    /// The model file (only its configuration and hash are read).
    public var model: String
    /// The activations file the task's means come from (vtv collect, same model).
    public var activations: String
    public var task: String
    public var granularity: PatchVariables.Granularity
    public var variables: VariableChoice
    /// The task-vectors file to write.
    public var out: String

    public init(
        model: String, activations: String, task: String, granularity: PatchVariables.Granularity = .headGroup,
        variables: VariableChoice, out: String
    ) {
        self.model = model
        self.activations = activations
        self.task = task
        self.granularity = granularity
        self.variables = variables
        self.out = out
    }
}

/// Makes and writes the task vectors of `settings` (docs/formats.md, "Task-vectors file") on one
/// process, and returns them.
public func makeTaskVectors(_ settings: TaskVectorsSettings) throws -> TaskVectors {
    let granularity = settings.granularity
    let model = try LoadedModel(path: settings.model, parts: [])
    let space = PatchVariables(configuration: model.configuration, granularity: granularity)
    let variables: [Int], origin: String
    switch settings.variables {
    case .listed(let list):
        variables = try checkedVariables(list, option: "--variables", space: space)
        origin = "listed"
    case let .topK(k, scoresPath):
        // Beyond the candidates `top` would silently give fewer variables than asked for.
        guard (1...space.count).contains(k) else {
            throw OptionRange.integers(1...space.count).error(
                "--top-k", got: "\(k)", why: "the candidates of granularity \(granularity.rawValue) for this model")
        }
        let scores = try ScoresFile(path: scoresPath)
        guard scores.modelHash == model.hash else {
            throw SearchInputError.modelMismatch(
                file: scoresPath, kind: .scores, found: scores.modelHash, expected: model.hash)
        }
        guard scores.granularity == granularity else {
            throw SearchInputError.granularityMismatch(
                file: scoresPath, found: scores.granularity.rawValue,
                expected: granularity.rawValue)
        }
        variables = scores.top(k)
        origin = "top-\(k) by taskness over \(scores.tasks.joined(separator: ","))"
    }
    let statistics = try model.activations(settings.activations).statistics(
        settings.task, file: settings.activations)
    let vectors = TaskVectors(
        task: settings.task, variables: variables, granularity: granularity,
        means: statistics.means(configuration: model.configuration), meansFrom: statistics.provenance,
        modelHash: model.hash, origin: origin)
    try vectors.write(to: settings.out)
    return vectors
}
