import Foundation
import Model
import Storage

/// How the prompts of a curated task were chosen (`vtv collect --select-best`, `BestPrompts.select`):
/// the pool they came from, every pool prompt's one-shot score, and the chosen prompts, best first.
/// Stored in an activations file as the group `/tasks/<task>/selection` (docs/formats.md):
///
///     /tasks/<task>/selection     rule="best_one_shot", metric ("iou" or "mse"), requested,
///                                 pool_size, pool_source, pool_role,
///                                 query, support (strings [chosen])
///     /tasks/<task>/selection/pool_index   int64 [chosen]    each chosen prompt's pool position
///     /tasks/<task>/selection/score        float64 [chosen]  its one-shot score
///     /tasks/<task>/selection/pool_score   float64 [pool_size]  every pool prompt's score, pool order
public struct PromptCuration: Equatable, Sendable {
    /// The only rule so far: the published selection of `BestPrompts.select`.
    public static let rule = "best_one_shot"

    public var metric: PredictionMetric
    /// The number asked for (`--select-best`); `chosen` holds fewer when fewer survive deduplication.
    public var requested: Int
    /// Where the pool came from (`PromptSource.origin`) and its role ("" for every prompt of a file).
    public var poolOrigin: String
    public var poolRole: String
    /// The one-shot score of every pool prompt, in pool order.
    public var poolScores: [Double]
    /// The chosen prompts, best first; their positions index `poolScores`.
    public var chosen: [ScoredPrompt]

    public init(
        metric: PredictionMetric, requested: Int, poolOrigin: String, poolRole: String,
        poolScores: [Double], chosen: [ScoredPrompt]
    ) {
        self.metric = metric
        self.requested = requested
        self.poolOrigin = poolOrigin
        self.poolRole = poolRole
        self.poolScores = poolScores
        self.chosen = chosen
    }

    /// "the best 100 of 3000 collect prompts by one-shot IoU (0.512 to 0.873), from synthetic:7",
    /// for `activations info`.
    public var summary: String {
        let scores = chosen.map(\.score)
        let bounds = Set([scores.min(), scores.max()].compactMap { $0 }).sorted().map { format($0) }
        let range = bounds.isEmpty ? "" : " (" + bounds.joined(separator: " to ") + ")"
        let short = chosen.count < requested ? ", \(requested) asked for" : ""
        let role = poolRole.isEmpty ? "" : " \(poolRole)"
        return
            "the best \(chosen.count) of \(poolScores.count)\(role) prompts by one-shot \(metric == .segmentationIoU ? "IoU" : "MSE")"
            + "\(range)\(short), from \(poolOrigin)"
    }

    private func format(_ x: Double) -> String { String(format: "%.4g", x) }

    /// Writes the group `selection` under `group` (a task's group).
    func write(in group: HDF5Group) throws {
        let selection = try group.createGroup("selection")
        try selection.setAttribute("rule", .string(Self.rule))
        try selection.setAttribute("metric", .string(metric.rawValue))
        try selection.setAttribute("requested", .int(requested))
        try selection.setAttribute("pool_size", .int(poolScores.count))
        try selection.setAttribute("pool_source", .string(poolOrigin))
        try selection.setAttribute("pool_role", .string(poolRole))
        try selection.setAttribute("query", .strings(chosen.map(\.query)))
        try selection.setAttribute("support", .strings(chosen.map(\.support)))
        try selection.write("pool_index", chosen.map { Int64($0.position) }, shape: [chosen.count])
        try selection.write("score", chosen.map(\.score), shape: [chosen.count])
        try selection.write("pool_score", poolScores, shape: [poolScores.count])
    }

    /// Reads the group `selection` of `group`, or nil when the task was not curated (every file
    /// written before curation existed). Throws when the group is there but inconsistent.
    static func read(in group: HDF5Group, task: String) throws -> PromptCuration? {
        guard group.exists("selection") else { return nil }
        let selection = try group.group("selection")
        func fail(_ what: String) -> SearchInputError {
            .invalid("the selection of task '\(task)' (/tasks/\(task)/selection) \(what)")
        }
        guard let rule = try selection.attribute("rule").stringValue, rule == Self.rule else {
            throw fail("has rule \(try selection.attribute("rule")); this vtv knows '\(Self.rule)' only")
        }
        guard let name = try selection.attribute("metric").stringValue, let metric = PredictionMetric(rawValue: name)
        else {
            throw fail("names an unknown metric \(try selection.attribute("metric"))")
        }
        guard let requested = try selection.attribute("requested").intValue, requested >= 1 else {
            throw fail("has a 'requested' count below 1")
        }
        guard let poolSize = try selection.attribute("pool_size").intValue, poolSize >= 1 else {
            throw fail("has no 'pool_size' of at least 1")
        }
        func strings(_ name: String) throws -> [String] {
            switch try selection.attribute(name) {
            case .strings(let list): return list
            case .string(let one): return [one]
            default: throw fail("has a '\(name)' attribute that is not text")
            }
        }
        let queries = try strings("query"), supports = try strings("support")
        let chosenCount = queries.count
        let positions = try selection.read("pool_index", as: Int64.self, shape: [chosenCount]).values
        let scores = try selection.read("score", as: Double.self, shape: [chosenCount]).values
        let poolScores = try selection.read("pool_score", as: Double.self, shape: [poolSize]).values
        guard supports.count == chosenCount else {
            throw fail("lists \(chosenCount) queries but \(supports.count) supports")
        }
        guard chosenCount <= requested else {
            throw fail("holds \(chosenCount) prompts, more than the \(requested) requested")
        }
        guard positions.allSatisfy({ (0..<Int64(poolSize)).contains($0) }) else {
            throw fail("has a pool_index outside 0..<\(poolSize)")
        }
        let chosen = (0..<chosenCount).map {
            ScoredPrompt(position: Int(positions[$0]), query: queries[$0], support: supports[$0], score: scores[$0])
        }
        return PromptCuration(
            metric: metric, requested: requested,
            poolOrigin: try selection.attribute("pool_source").stringValue ?? "",
            poolRole: try selection.attribute("pool_role").stringValue ?? "",
            poolScores: poolScores, chosen: chosen)
    }
}
