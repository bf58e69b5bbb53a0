import Model

/// One prompt of a pool with the score of its one-shot prediction.
public struct ScoredPrompt: Equatable, Sendable {
    /// The prompt's position in the pool, 0 ..< pool size (not its index in the prompt source).
    public var position: Int
    /// The query and support images (`PromptRecord.query`, `.support`): duplicates are judged by them.
    public var query: String
    public var support: String
    /// Segmentation IoU or normalized MSE of the one-shot prediction (`PredictionMetric`).
    public var score: Double

    public init(position: Int, query: String, support: String, score: Double) {
        self.position = position
        self.query = query
        self.support = support
        self.score = score
    }
}

/// The published choice of the prompts whose head outputs make a task's mean: the best one-shot
/// prompts of a pool, at most one per support image and one per query image (docs/formats.md,
/// "Curated task means", which also lists where vtv's use of it differs from the published code).
public enum BestPrompts {
    /// The published selection, step by step; `pool` is in pool order, which breaks every tie
    /// (the published code sorts with Python's stable sort, so equal scores keep their pool order):
    /// 1. sort by score, smallest first;
    /// 2. keep the first prompt of each support image (its smallest score);
    /// 3. of those, keep the first prompt of each query image (again its smallest score);
    /// 4. rank what is left best first (IoU descending, MSE ascending) and keep the first `count`.
    ///
    /// Steps 2 and 3 keep the *smallest* score whatever the metric. For MSE that is the best prompt
    /// of each image; for IoU it is the worst, a quirk of the published code that we reproduce so
    /// that the same pool gives the same prompts. Returns fewer than `count` prompts when fewer
    /// survive the two steps (as the published code does); scores must not be NaN.
    public static func select(_ pool: [ScoredPrompt], count: Int, metric: PredictionMetric) -> [ScoredPrompt] {
        precondition(count >= 1, "select at least one prompt")
        precondition(pool.allSatisfy { !$0.score.isNaN }, "one-shot scores must not be NaN")
        let ascending = pool.indices.sorted { (pool[$0].score, $0) < (pool[$1].score, $1) }.map { pool[$0] }
        let oneBySupport = firstOfEach(ascending, by: \.support)
        let oneByQuery = firstOfEach(oneBySupport, by: \.query)
        let ranked = oneByQuery.indices.sorted { a, b in
            let (x, y) = (oneByQuery[a].score, oneByQuery[b].score)
            if x != y { return metric == .segmentationIoU ? x > y : x < y }
            return a < b
        }
        return ranked.prefix(count).map { oneByQuery[$0] }
    }

    /// A bound on how many prompts `select` returns from a pool with these images, known before any
    /// is scored: at most one per support and one per query survives (fewer may, depending on scores).
    public static func largestSelection(queries: [String], supports: [String]) -> Int {
        min(Set(queries).count, Set(supports).count)
    }

    /// The first prompt of each distinct `key`, in the order of `prompts`.
    private static func firstOfEach(_ prompts: [ScoredPrompt], by key: KeyPath<ScoredPrompt, String>) -> [ScoredPrompt]
    {
        var seen = Set<String>()
        return prompts.filter { seen.insert($0[keyPath: key]).inserted }
    }
}
