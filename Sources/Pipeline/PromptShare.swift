import Distributed
import Prompts

extension PromptSelection {
    /// This rank's prompts: the contiguous block `shard(indices.count, rank:, of:)` of the selected
    /// indices (Distributed's split: the first count % size ranks take one more). It depends only on
    /// the selection and the number of ranks, so per-prompt results gathered in rank order come back
    /// in selection order.
    public func share(of world: Communicator) -> ArraySlice<Int> {
        indices[shard(indices.count, rank: world.rank, of: world.size)]
    }
}
