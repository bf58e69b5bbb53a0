import Model
import Search

/// The model an analysis runs: its file, content hash (what every input file must have been made
/// with) and the evaluator that runs and scores prompts through it.
public struct AnalysisModel {
    public let path: String
    public let hash: String
    public let evaluator: PromptEvaluator

    public init(path: String, hash: String, evaluator: PromptEvaluator) {
        self.path = path
        self.hash = hash
        self.evaluator = evaluator
    }

    public var configuration: ModelConfiguration { evaluator.model.configuration }

    /// The task-vectors file at `path`, refused when made with another model, for another
    /// granularity than `granularity` (when given), or holding no variables (nothing to study).
    func taskVectors(_ path: String, granularity: PatchVariables.Granularity? = nil) throws -> TaskVectors {
        try loadTaskVectors(path, modelHash: hash, granularity: granularity)
    }

    /// The activations file at `path`, refused when collected with another model.
    func activations(_ path: String) throws -> ActivationsFile {
        let file = try ActivationsFile(path: path)
        guard file.modelHash == hash else {
            throw SearchInputError.modelMismatch(file: path, kind: .activations, found: file.modelHash, expected: hash)
        }
        return file
    }
}

/// The task-vectors file at `path`, refused when made with another model than `modelHash`, for
/// another granularity than `granularity` (each when given), or holding no variables.
func loadTaskVectors(_ path: String, modelHash: String?, granularity: PatchVariables.Granularity?) throws
    -> TaskVectors
{
    let vectors = try TaskVectors(path: path, expectedModelHash: modelHash)
    if let granularity, granularity != vectors.granularity {
        throw SearchInputError.granularityMismatch(
            file: path, found: vectors.granularity.rawValue, expected: granularity.rawValue)
    }
    guard !vectors.variables.isEmpty else {
        throw SearchInputError.invalid(
            "\(path) holds no variables (an empty set: the search kept none); there is nothing to study")
    }
    return vectors
}

extension TaskVectors {
    /// These vectors on `subset` of their variables only: the same replacement vectors, fewer of them.
    func restricted(to subset: [Int]) -> TaskVectors {
        let kept = Set(subset)
        precondition(kept.isSubset(of: variables), "a restriction keeps variables of the set only")
        let space = PatchVariables(configuration: configuration, granularity: granularity)
        let targetsKept = Set(kept.flatMap { space.targets(ofVariable: $0) })
        var copy = self
        copy.variables = kept.sorted()
        let pairs = zip(targets, vectors).filter { targetsKept.contains($0.0) }
        copy.targets = pairs.map(\.0)
        copy.vectors = pairs.map(\.1)
        return copy
    }
}
