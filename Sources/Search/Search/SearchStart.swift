import Model

/// Where a search's policy starts besides `--init-logit` (`--scores S.h5 --start-top K --start-logit X`):
/// the K searched variables of highest taskness in a scores file (`vtv score`) start at logit X, every
/// other variable at the initial logit. The published search starts every variable alike; taskness
/// ranks candidates by how they tell the tasks apart (docs/paper.md, "Taskness"), and a policy that
/// starts on the best of them searches around a set that already carries the tasks apart
/// (docs/model-card.md, "The demo"). The start is resolved into `SearchSettings.startVariables`, so
/// the settings alone define the search, its resume key and its report.
public struct SearchStart: Equatable {
    /// The scores file (`vtv score --out`).
    public var scores: String
    /// How many of the searched variables start at `logit`, at least 1.
    public var top: Int
    /// Their starting logit.
    public var logit: Double

    public init(scores: String, top: Int, logit: Double) {
        self.scores = scores
        self.top = top
        self.logit = logit
    }

    /// The `top` variables of `searched` (full numbering) that rank highest in the scores file,
    /// ascending. Refuses a file made with another model than `modelHash`, of another granularity than
    /// `granularity`, or with fewer searched variables than `top`.
    public func variables(modelHash: String, granularity: PatchVariables.Granularity, searched: [Int]) throws
        -> [Int]
    {
        let file = try ScoresFile(path: scores)
        guard file.modelHash == modelHash else {
            throw SearchInputError.modelMismatch(
                file: scores, kind: .scores, found: file.modelHash, expected: modelHash)
        }
        guard file.granularity == granularity else {
            throw SearchInputError.granularityMismatch(
                file: scores, found: file.granularity.rawValue, expected: granularity.rawValue)
        }
        guard top <= searched.count else {
            throw SearchInputError.invalid(
                "--start-top \(top): the search covers \(searched.count) variables, so at most \(searched.count) can start "
                    + "at --start-logit")
        }
        let candidates = Set(searched)
        return file.ranking.filter(candidates.contains).prefix(top).sorted()
    }
}
