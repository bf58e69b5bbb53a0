import Distributed
import Foundation
import Model
import Prompts
import Search

/// What `vtv collect` computes: per task, the statistics of every head output over the task's
/// prompts, and for curated tasks how their prompts were chosen.
public struct TaskCollection {
    public var statistics: [String: TaskStatistics] = [:]
    public var curations: [String: PromptCuration] = [:]

    /// Starts the stream of a task's per-prompt outputs (task name, prompt count), with --per-prompt.
    public typealias PerPromptStreams = (String, Int) throws -> PerPromptStream

    /// Collects over the selected prompts as given, the same prompts for every task.
    public static func plain(
        _ selection: PromptSelection, tasks: [PromptTask], collector: ActivationCollector,
        world: Communicator, perPrompt: PerPromptStreams? = nil
    ) throws -> TaskCollection {
        TaskCollection(
            statistics: try collect(
                tasks.map { ($0, selection.indices) }, source: selection.source,
                collector: collector, world: world, perPrompt: perPrompt))
    }

    /// Collects over the `count` best one-shot prompts of each task, chosen from the selected prompts
    /// (the pool) as the published code chooses them (`BestPrompts.select`). Every rank scores a
    /// contiguous block of the pool; the scores are gathered in pool order, so every rank makes the
    /// same choice, and the result does not depend on the number of ranks. Each task's chosen
    /// prompts are then collected best first, one episode each.
    public static func best(
        _ count: Int, of pool: PromptSelection, tasks: [PromptTask], evaluator: PromptEvaluator,
        collector: ActivationCollector, world: Communicator, perPrompt: PerPromptStreams? = nil
    ) throws -> TaskCollection {
        let records = try pool.indices.map { try pool.source.prompt($0) }
        let mine = Array(pool.share(of: world))
        let progress = ProgressReporter(
            "collect: one-shot scores", total: mine.count * tasks.count, communicator: world)
        var chosen: [(PromptTask, [Int])] = []
        var result = TaskCollection()
        for (t, task) in tasks.enumerated() {
            var scores: [Double] = []
            scores.reserveCapacity(mine.count)
            for start in stride(from: 0, to: mine.count, by: evaluator.batchSize) {
                let batch = mine[start..<min(start + evaluator.batchSize, mine.count)]
                let canvases = try batch.map { try pool.source.canvas($0, task: task).values }
                scores += try evaluator.oneShotScores(canvases: canvases, metric: task.metric)
                progress.update(t * mine.count + start + batch.count, detail: task.rawValue)
            }
            let poolScores = try world.allgather(scores)
            let scored = poolScores.indices.map {
                ScoredPrompt(
                    position: $0, query: records[$0].query, support: records[$0].support, score: poolScores[$0])
            }
            let best = BestPrompts.select(scored, count: count, metric: task.metric)
            result.curations[task.rawValue] = PromptCuration(
                metric: task.metric, requested: count, poolOrigin: pool.source.origin, poolRole: pool.role ?? "",
                poolScores: poolScores, chosen: best)
            chosen.append((task, best.map { pool.indices[$0.position] }))
        }
        result.statistics = try collect(
            chosen, source: pool.source, collector: collector, world: world, perPrompt: perPrompt)
        return result
    }

    /// The statistics of each task over its prompts (indices of `source`, in order): every rank
    /// collects the contiguous block `shard` gives it and the blocks are combined exactly; with
    /// `perPrompt`, every prompt's outputs are streamed to rank 0 as they are recorded.
    private static func collect(
        _ work: [(task: PromptTask, prompts: [Int])], source: any PromptSource,
        collector: ActivationCollector, world: Communicator, perPrompt: PerPromptStreams?
    ) throws -> [String: TaskStatistics] {
        let shares = work.map { Array($0.prompts[shard($0.prompts.count, rank: world.rank, of: world.size)]) }
        // Names by content, so that collections of other roles or sources merge unless they share a prompt.
        var identities: [Int: String] = [:]
        for index in Set(shares.joined()) { identities[index] = try source.identity(of: index) }
        let progress = ProgressReporter("collect", total: shares.map(\.count).reduce(0, +), communicator: world)
        var statistics: [String: TaskStatistics] = [:]
        var done = 0
        for ((task, prompts), mine) in zip(work, shares) {
            let stream = try perPrompt?(task.rawValue, prompts.count)
            let local = try collector.collect(
                mine, canvas: { try source.canvas($0, task: task).values },
                identity: { identities[$0]! }, record: { try stream?.send($0) },
                progress: { progress.update(done + $0, detail: task.rawValue) })
            try stream?.finish()
            done += mine.count
            statistics[task.rawValue] = try local.combined(over: world)
        }
        return statistics
    }
}
