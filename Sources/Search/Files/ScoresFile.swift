import Model
import Storage

/// A scores file (`S.h5`, docs/formats.md "Scores file"): the taskness score of every candidate
/// variable of one granularity (docs/paper.md#taskness) and the ranking, for one model.
///
///     /            format="vtv-scores", version=1, granularity, tasks, model_hash, epsilon,
///                  top_names (names of the best min(200, nvar) variables, in rank order)
///     /config      the model configuration
///     /scores      float64 [nvar]     score of variable v (docs/paper.md#search-space numbering)
///     /ranking     int32 [nvar]       variables by decreasing score (ties by index)
///     /variables   int32 [nvar, 4]    (stack 0 encoder / 1 decoder, layer, head, group) of each variable;
///                  attributes encoder_groups, decoder_groups: the group names ("cls", "query", "Q3", ...)
public struct ScoresFile {
    /// How many names `top_names` holds at most (HDF5 attributes must stay small).
    public static let namedTop = 200

    public var configuration: ModelConfiguration
    public var modelHash: String
    public var granularity: PatchVariables.Granularity
    public var tasks: [String]
    public var epsilon: Double
    /// scores: [nvar]
    public var scores: [Double]
    /// ranking: [nvar], variables by decreasing score.
    public var ranking: [Int]

    public init(_ taskness: TasknessScores, configuration: ModelConfiguration, modelHash: String) {
        self.configuration = configuration
        self.modelHash = modelHash
        granularity = taskness.granularity
        tasks = taskness.tasks
        epsilon = TasknessScores.epsilon
        scores = taskness.scores
        ranking = taskness.ranking
    }

    /// The candidate space these scores rank.
    public var space: PatchVariables { PatchVariables(configuration: configuration, granularity: granularity) }

    /// The `k` best variables, ascending.
    public func top(_ k: Int) -> [Int] { Array(ranking.prefix(k)).sorted() }

    /// Writes the file atomically.
    public func write(to path: String) throws {
        let space = self.space
        let file = try HDF5File.create(path)
        do {
            let root = file.root
            try FileHeader(kind: .scores, modelHash: modelHash).write(to: root, configuration: configuration)
            try root.setAttribute("granularity", .int(granularity.rawValue))
            try root.setAttribute("tasks", .strings(tasks))
            try root.setAttribute("epsilon", .double(epsilon))
            try root.setAttribute("top_names", .strings(ranking.prefix(Self.namedTop).map { space.name(of: $0) }))
            try root.write("scores", scores, shape: [scores.count])
            try root.write("ranking", ranking.map(Int32.init), shape: [ranking.count])
            let rows = (0..<space.count).flatMap { v -> [Int32] in
                let d = space.decode(v)
                return [Int32(d.stack.rawValue), Int32(d.layer), Int32(d.head), Int32(d.group)]
            }
            try root.write("variables", rows, shape: [space.count, 4])
            for stack in Stack.allCases {
                try root.setAttribute("\(stack)_groups", .strings(space.groupNames(stack)), on: "variables")
            }
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    /// Reads a scores file, checking its kind and that its arrays fit its granularity.
    public init(path: String) throws {
        let root = try FileKind.scores.open(path).root
        self = try FileKind.scores.reading(path) { try ScoresFile(reading: root, path: path) }
    }

    private init(reading root: HDF5Group, path: String) throws {
        configuration = try FileHeader.configuration(in: root)
        modelHash = try FileHeader(reading: root, kind: .scores, path: path).modelHash ?? ""
        let g = try root.attribute("granularity").intValue ?? -1
        guard let granularity = PatchVariables.Granularity(rawValue: g) else {
            throw SearchInputError.invalid("\(path): unknown granularity \(g)")
        }
        self.granularity = granularity
        if case .strings(let list) = try root.attribute("tasks") { tasks = list } else { tasks = [] }
        epsilon = try root.attribute("epsilon").doubleValue ?? TasknessScores.epsilon
        let count = PatchVariables(configuration: configuration, granularity: granularity).count
        scores = try root.read("scores", as: Double.self, shape: [count]).values
        ranking = try root.read("ranking", as: Int32.self, shape: [count]).values.map(Int.init)
        guard Set(ranking) == Set(0..<count) else {
            throw SearchInputError.invalid("\(path): /ranking is not a permutation of the \(count) variables")
        }
    }
}

extension PatchVariables {
    /// The names of `stack`'s token groups at this granularity, indexed by `decode(_:).group`.
    public func groupNames(_ stack: Stack) -> [String] {
        switch granularity {
        case .head: return ["all tokens"]
        case .headGroup: return stack == .encoder ? ["cls", "query"] : ["cls", "Q3", "Q4"]
        case .headToken:
            let tokens = stack == .encoder ? layout.encoderTokens : layout.decoderTokens
            return (0..<tokens).map { "token \($0)" }
        }
    }
}
