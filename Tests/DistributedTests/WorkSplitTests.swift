import Distributed
import XCTest

/// The deterministic splits of work over ranks: even shards, proportional blocks, fixed chunks.
final class WorkSplitTests: XCTestCase {
    func assertPartition(_ blocks: [Range<Int>], of count: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(blocks.first?.lowerBound, 0, file: file, line: line)
        XCTAssertEqual(blocks.last?.upperBound, count, file: file, line: line)
        for (a, b) in zip(blocks, blocks.dropFirst()) {
            XCTAssertEqual(a.upperBound, b.lowerBound, file: file, line: line)
        }
    }

    func testEqualWeightsGiveTheEvenShards() {
        for count in [0, 1, 7, 20, 320] {
            for ranks in 1...5 {
                let blocks = proportionalBlocks(count, weights: Array(repeating: 2.5, count: ranks))
                XCTAssertEqual(blocks, (0..<ranks).map { shard(count, rank: $0, of: ranks) }, "\(count) over \(ranks)")
            }
        }
    }

    func testBlocksFollowTheWeightsAndCoverEveryItem() {
        let blocks = proportionalBlocks(20, weights: [3, 1])
        XCTAssertEqual(blocks, [0..<15, 15..<20])
        // 11 -> (2.75, 2.75, 5.5) and 10 -> (2.5, 2.5, 5): largest remainders first, ties to the lower rank.
        XCTAssertEqual(proportionalBlocks(11, weights: [1, 1, 2]).map(\.count), [3, 3, 5])
        XCTAssertEqual(proportionalBlocks(10, weights: [1, 1, 2]).map(\.count), [3, 2, 5])
        XCTAssertEqual(proportionalBlocks(4, weights: [1, 0, 1]).map(\.count), [2, 0, 2])
        for weights in [[0.3, 7, 1e-3], [1, 2, 3, 4, 5], [9.99, 10.01]] {
            for count in [0, 1, 3, 17, 320] {
                let blocks = proportionalBlocks(count, weights: weights)
                assertPartition(blocks, of: count)
                let total = weights.reduce(0, +)
                for (block, w) in zip(blocks, weights) {
                    XCTAssertLessThan(abs(Double(block.count) - Double(count) * w / total), 1, "\(count) by \(weights)")
                }
            }
        }
    }

    func testChunksAreWholeAndTheLastOneMayBeShort() {
        let chunks = WorkChunks(count: 12, size: 5)
        XCTAssertEqual(chunks.chunks, 3)
        XCTAssertEqual(chunks.items(0..<3), 0..<12)
        XCTAssertEqual(chunks.items(2..<3), 10..<12)
        XCTAssertEqual(chunks.share(rank: 0, of: 2), 0..<10)
        XCTAssertEqual(chunks.share(rank: 1, of: 2), 10..<12)
        // More ranks than chunks: the last rank gets nothing rather than a split chunk.
        XCTAssertEqual((0..<4).map { chunks.share(rank: $0, of: 4) }, [0..<5, 5..<10, 10..<12, 12..<12])
        XCTAssertEqual(chunks.shares(weights: [1, 2]), [0..<5, 5..<12])
        XCTAssertEqual(WorkChunks(count: 0, size: 4).chunks, 0)
        // Every chunk starts on a multiple of the size, whatever the weights.
        let big = WorkChunks(count: 320, size: 16)
        for weights in [[1.0, 1.0], [1.3, 0.7], [5, 1, 1]] {
            let shares = big.shares(weights: weights)
            assertPartition(shares, of: 320)
            for s in shares { XCTAssertEqual(s.lowerBound % 16, 0) }
        }
    }

    func testTheAutomaticSizeSplitsEvenlyAndPrefersLargeBatches() {
        XCTAssertEqual(WorkChunks.automaticSize(count: 320, ranks: 1, maximum: 8), 8)
        XCTAssertEqual(WorkChunks.automaticSize(count: 320, ranks: 2, maximum: 8), 8)
        XCTAssertEqual(WorkChunks.automaticSize(count: 320, ranks: 16, maximum: 8), 5, "8 would give some ranks 24")
        XCTAssertEqual(WorkChunks.automaticSize(count: 320, ranks: 128, maximum: 8), 3)
        XCTAssertEqual(WorkChunks.automaticSize(count: 4, ranks: 8, maximum: 8), 1)
        XCTAssertEqual(WorkChunks.automaticSize(count: 0, ranks: 3, maximum: 8), 8)
        // Never a larger largest share than the item-level even split allows, within one batch.
        for ranks in 1...40 {
            let size = WorkChunks.automaticSize(count: 320, ranks: ranks, maximum: 8)
            let chunks = WorkChunks(count: 320, size: size)
            let largest = (0..<ranks).map { chunks.share(rank: $0, of: ranks).count }.max()!
            XCTAssertLessThan(largest, shard(320, rank: 0, of: ranks).count + size, "\(ranks) ranks, size \(size)")
        }
    }
}
