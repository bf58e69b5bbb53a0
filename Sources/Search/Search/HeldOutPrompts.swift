import Distributed

/// The held-out prompts of a search, split over the ranks that score them.
///
/// The prompts are numbered task by task (`tasks[i]` is prompt i's task index) and cut into chunks
/// of `batchSize`, the evaluator's batch; rank r scores the contiguous block of chunks
/// `WorkChunks.share(rank:of:)` gives it, so it builds and holds only those prompts (`local`), not
/// all of them: with the published 490 held-out prompts per task at 224 x 224 that is about 0.5 GB
/// and 490 VQGAN encodings per task that each rank no longer spends. The losses are all-gathered in
/// prompt order, so every rank still sees every loss, exactly as when every rank held them all.
public struct HeldOutPrompts {
    /// The task index of every held-out prompt, in prompt order.
    public let tasks: [Int]
    /// The prompts this rank scores (`tasks.indices` restricted to `share`).
    public let share: Range<Int>
    /// This rank's prompts, `share.count` of them, in prompt order.
    public var local: [SearchPrompt]

    /// The prompts of `share` (in order) out of `tasks.count`.
    public init(tasks: [Int], share: Range<Int>, local: [SearchPrompt]) {
        precondition(share.lowerBound >= 0 && share.upperBound <= tasks.count && local.count == share.count)
        precondition(zip(tasks[share], local).allSatisfy { $0 == $1.task })
        self.tasks = tasks
        self.share = share
        self.local = local
    }

    /// Every prompt held by this process (one rank, or tests).
    public init(all prompts: [SearchPrompt]) {
        self.init(tasks: prompts.map(\.task), share: 0..<prompts.count, local: prompts)
    }

    /// No held-out prompts: the search then scores its policy on the training prompts.
    public static var none: HeldOutPrompts { HeldOutPrompts(tasks: [], share: 0..<0, local: []) }

    public var isEmpty: Bool { tasks.isEmpty }

    /// The prompts `rank` of `ranks` scores, out of `count` held-out prompts evaluated in batches of
    /// `batchSize`: the split `ReinforceSearch` uses.
    public static func share(count: Int, batchSize: Int, rank: Int, of ranks: Int) -> Range<Int> {
        WorkChunks(count: count, size: batchSize).share(rank: rank, of: ranks)
    }
}
