import Search
import XCTest

/// The held-out prompts' split: each rank builds only the prompts it scores, so the shares must
/// cover every prompt exactly once, in prompt order, in whole evaluator batches (the split
/// `ReinforceSearch.heldOutLoss` scores with; the CLI's rank-count tests check the losses agree).
final class HeldOutPromptsTests: XCTestCase {
    func testTheRanksSharesCoverEveryPromptOnceInOrderInWholeBatches() {
        for (count, batch) in [(490, 8), (980, 5), (7, 8), (3, 1), (0, 4)] {
            for ranks in [1, 2, 3, 7, 64] {
                let shares = (0..<ranks).map {
                    HeldOutPrompts.share(count: count, batchSize: batch, rank: $0, of: ranks)
                }
                XCTAssertEqual(
                    shares.flatMap { Array($0) }, Array(0..<count), "\(count) prompts, batch \(batch), \(ranks) ranks")
                for share in shares where !share.isEmpty {
                    XCTAssertEqual(share.lowerBound % batch, 0, "a share starts on a batch boundary")
                }
            }
        }
    }

    func testTwoRanksOf490PromptsEachHoldHalf() {
        let shares = (0..<2).map { HeldOutPrompts.share(count: 490, batchSize: 8, rank: $0, of: 2) }
        XCTAssertEqual(shares.map(\.count), [248, 242], "62 batches of 8, the last of 2 prompts: 31 each")
    }

    func testNoHeldOutPromptsIsEmpty() {
        XCTAssertTrue(HeldOutPrompts.none.isEmpty)
        XCTAssertTrue(HeldOutPrompts(all: []).isEmpty)
    }
}
