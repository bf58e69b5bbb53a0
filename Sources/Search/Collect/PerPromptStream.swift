import Distributed
import Model
import Storage

/// Streams every prompt's head outputs of one task from all ranks into an activations file on rank 0
/// (`vtv collect --per-prompt`), so that no rank ever holds more than a round of them: the task's
/// prompts are split in contiguous blocks (`shard`), and in round k every rank sends the k-th
/// prompt of its block (or nothing, once its block is done) and rank 0 writes each as row
/// block start + k of `PerPromptOutputs`. Row i is therefore prompt i of the task whatever the
/// number of ranks, and rank 0 holds at most one prompt per rank at a time.
///
/// A collective: every rank makes one `send` per prompt of its block, in block order, then calls
/// `finish`, which runs the rounds it has left.
public final class PerPromptStream {
    private let world: Communicator
    /// Rank 0's open activations file; nil on other ranks.
    private let root: HDF5Group?
    private let task: String
    /// Every rank's block of the task's prompts.
    private let blocks: [Range<Int>]
    private let elements: (encoder: Int, decoder: Int)
    private var round = 0

    /// Starts the task's stream: on rank 0 (`root` given) creates its datasets for `count` prompts.
    public init(
        world: Communicator, root: HDF5Group?, task: String, count: Int, configuration: ModelConfiguration,
        gzipLevel: Int?
    ) throws {
        precondition(world.isRoot == (root != nil), "rank 0, and only rank 0, writes the per-prompt outputs")
        self.world = world
        self.root = root
        self.task = task
        blocks = (0..<world.size).map { shard(count, rank: $0, of: world.size) }
        let shapes = TaskStatistics.shapes(configuration)
        elements = (shapes.encoder.reduce(1, *), shapes.decoder.reduce(1, *))
        if let root {
            try PerPromptOutputs.create(
                in: root, task: task, count: count, configuration: configuration, gzipLevel: gzipLevel)
        }
    }

    /// The number of rounds: the largest block.
    public var rounds: Int { blocks.map(\.count).max() ?? 0 }

    /// One round: this rank's next prompt (one-shot recording), or nil when its block is done.
    public func send(_ outputs: HeadOutputs?) throws {
        precondition(round < rounds, "more rounds than prompts in the largest block")
        precondition((outputs != nil) == (round < blocks[world.rank].count), "a prompt per round of the block")
        if let outputs {
            precondition(outputs.encoder.count == elements.encoder && outputs.decoder.count == elements.decoder)
        }
        let received = try world.gather(outputs.map { $0.encoder + $0.decoder } ?? [])
        if let received, let root {
            let width = elements.encoder + elements.decoder
            var at = 0
            for block in blocks where round < block.count {
                let row = block.lowerBound + round
                try root.writeRow(
                    "tasks/\(task)/\(PerPromptOutputs.encoderName)", row: row,
                    Array(received[at..<at + elements.encoder]))
                try root.writeRow(
                    "tasks/\(task)/\(PerPromptOutputs.decoderName)", row: row,
                    Array(received[at + elements.encoder..<at + width]))
                at += width
            }
            precondition(at == received.count, "every rank with a prompt this round sent one")
        }
        round += 1
    }

    /// The rounds left after this rank's last prompt.
    public func finish() throws {
        while round < rounds { try send(nil) }
    }
}
