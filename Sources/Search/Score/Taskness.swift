import Model

/// The taskness score (docs/paper.md#taskness; a definition of ours, documented in docs/formats.md):
/// for each candidate variable,
///
///     score = sum over its head outputs (one-shot position of each zero-shot token it patches)
///             and over headWidth features d of
///             Var_k(mean_k[d]) / (Mean_k(var_k[d]) + eps)
///
/// where k runs over tasks, Var_k is the population variance across the task means and var_k the
/// within-task variance. High scores vary between tasks and little within one.
public struct TasknessScores {
    public static let epsilon = 1e-6

    public let granularity: PatchVariables.Granularity
    public let tasks: [String]
    /// score: [variables]
    public let scores: [Double]

    public init(activations: ActivationsFile, tasks: [String], granularity: PatchVariables.Granularity) throws {
        guard tasks.count >= 2 else {
            throw SearchInputError.invalid(
                "taskness compares tasks: give at least two (the file has \(activations.taskNames.joined(separator: ", ")))"
            )
        }
        let statistics = try tasks.map { try activations.statistics($0) }
        let configuration = activations.configuration
        let space = PatchVariables(configuration: configuration, granularity: granularity)
        let oneShot = HeadOutputs(
            configuration: configuration, layout: TokenLayout(mode: .oneShot, grid: configuration.grid))
        let zeroShot = TokenLayout(mode: .zeroShot, grid: configuration.grid)
        let k = Double(tasks.count)

        // Per-element ratio for both stacks, computed once.
        func ratios(_ stack: Stack) -> [Double] {
            let means = statistics.map { stack == .encoder ? $0.encoder.mean : $0.decoder.mean }
            let variances = statistics.map { stack == .encoder ? $0.encoder.variance : $0.decoder.variance }
            return (0..<means[0].count).map { i in
                let average = means.reduce(0) { $0 + $1[i] } / k
                let across = means.reduce(0) { $0 + ($1[i] - average) * ($1[i] - average) } / k
                let within = variances.reduce(0) { $0 + $1[i] } / k
                return across / (within + Self.epsilon)
            }
        }
        let table = [ratios(.encoder), ratios(.decoder)]
        scores = (0..<space.count).map { v in
            space.targets(ofVariable: v).reduce(0) { total, t in
                let width = configuration.stack(t.stack).headWidth
                let at = oneShot.offset(
                    t.stack, layer: t.layer, token: zeroShot.oneShotToken(for: t.token), head: t.head)
                return total + table[t.stack.rawValue][at..<at + width].reduce(0, +)
            }
        }
        self.granularity = granularity
        self.tasks = tasks
    }

    /// Variables by decreasing score (ties by index).
    public var ranking: [Int] {
        scores.indices.sorted { scores[$0] != scores[$1] ? scores[$0] > scores[$1] : $0 < $1 }
    }
}
