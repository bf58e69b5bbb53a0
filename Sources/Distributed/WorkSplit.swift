/// Deterministic division of `count` work items over `ranks` ranks: rank r gets the contiguous
/// block starting at r*base + min(r, extra), where base = count / ranks and the first
/// `extra = count % ranks` ranks take one more item. Every item goes to exactly one rank and
/// the split depends only on (count, ranks), so results can be recombined in item order.
public func shard(_ count: Int, rank: Int, of ranks: Int) -> Range<Int> {
    precondition(ranks > 0 && rank >= 0 && rank < ranks && count >= 0)
    let base = count / ranks, extra = count % ranks
    let start = rank * base + min(rank, extra)
    return start ..< start + base + (rank < extra ? 1 : 0)
}

extension Communicator {
    /// This rank's share of `count` items (see `shard`).
    public func share(of count: Int) -> Range<Int> {
        shard(count, rank: rank, of: size)
    }

    /// Prints `message` on rank 0 only; other ranks stay silent.
    public func log(_ message: @autoclosure () -> String) {
        if isRoot { print(message()) }
    }
}
