/// Deterministic division of `count` work items over `ranks` ranks: rank r gets the contiguous
/// block starting at r*base + min(r, extra), where base = count / ranks and the first
/// `extra = count % ranks` ranks take one more item. Every item goes to exactly one rank and
/// the split depends only on (count, ranks), so results can be recombined in item order.
public func shard(_ count: Int, rank: Int, of ranks: Int) -> Range<Int> {
    precondition(ranks > 0 && rank >= 0 && rank < ranks && count >= 0)
    let base = count / ranks, extra = count % ranks
    let start = rank * base + min(rank, extra)
    return start..<start + base + (rank < extra ? 1 : 0)
}

/// Contiguous blocks of 0..<count in rank order, block r about count * weights[r] / sum(weights)
/// long (largest remainders round up; ties go to the lower rank). Every item lies in exactly one
/// block and the blocks depend only on (count, weights), so every rank that knows the weights
/// computes the same split. Weights must be finite and non-negative with a positive sum.
public func proportionalBlocks(_ count: Int, weights: [Double]) -> [Range<Int>] {
    precondition(count >= 0 && !weights.isEmpty)
    precondition(weights.allSatisfy { $0.isFinite && $0 >= 0 }, "weights must be finite and non-negative")
    let total = weights.reduce(0, +)
    precondition(total > 0, "weights must not all be zero")
    let exact = weights.map { Double(count) * $0 / total }
    var sizes = exact.map { Int($0.rounded(.down)) }
    let missing = count - sizes.reduce(0, +)
    let byRemainder = weights.indices.sorted { a, b in
        let ra = exact[a] - Double(sizes[a]), rb = exact[b] - Double(sizes[b])
        return ra != rb ? ra > rb : a < b
    }
    for r in byRemainder.prefix(missing) { sizes[r] += 1 }
    var start = 0
    return sizes.map { size in
        defer { start += size }
        return start..<start + size
    }
}

/// Work cut into fixed chunks: items 0..<count in chunks of `size` (the last may be shorter).
/// Ranks receive whole chunks, so a chunk is always processed as the same unit (for example
/// one batched forward pass) whichever rank runs it and however many ranks there are: results
/// that depend on what else is in a batch come out bit-identical for any split.
public struct WorkChunks: Equatable, Sendable {
    public let count: Int
    public let size: Int

    public init(count: Int, size: Int) {
        precondition(count >= 0 && size > 0)
        self.count = count
        self.size = size
    }

    /// The chunk size, at most `maximum`, that gives `ranks` even shares the smallest largest
    /// share (the wall time of one round of work); among equal ones the largest size (bigger
    /// batches run more efficiently). E.g. 320 items: 8 on 2 ranks (20 chunks each), 5 on 16
    /// (4 each, where 8 would leave some ranks 3 chunks = 24 items), 3 on 128.
    public static func automaticSize(count: Int, ranks: Int, maximum: Int) -> Int {
        precondition(count >= 0 && ranks > 0 && maximum > 0)
        var best = (size: 1, largestShare: Int.max)
        for size in 1...maximum {
            let largest = WorkChunks(count: count, size: size).share(rank: 0, of: ranks).count // rank 0's is largest
            if largest <= best.largestShare { best = (size, largest) }
        }
        return best.size
    }

    /// Number of chunks.
    public var chunks: Int { (count + size - 1) / size }

    /// The items of the chunk range `chunks` (a range of chunk indices).
    public func items(_ chunks: Range<Int>) -> Range<Int> {
        min(chunks.lowerBound * size, count)..<min(chunks.upperBound * size, count)
    }

    /// Rank r's items when the chunks are split evenly (`shard` over chunks).
    public func share(rank: Int, of ranks: Int) -> Range<Int> {
        items(shard(chunks, rank: rank, of: ranks))
    }

    /// Every rank's items when rank r gets a share of the chunks proportional to weights[r].
    public func shares(weights: [Double]) -> [Range<Int>] {
        proportionalBlocks(chunks, weights: weights).map(items)
    }
}

extension Communicator {
    /// This rank's share of `count` items (see `shard`).
    public func share(of count: Int) -> Range<Int> {
        shard(count, rank: rank, of: size)
    }
}
