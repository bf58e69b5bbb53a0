import XCTest

@testable import Search

/// The split weights the search derives from the ranks' measured speeds.
final class RankSpeedsTests: XCTestCase {
    func testWeightsAreEqualUntilMeasured() {
        XCTAssertEqual(RankSpeeds(ranks: 3).weights, [1, 1, 1])
    }

    func testASlowerRankGetsLessWeightAndEstimatesAreSmoothed() {
        var speeds = RankSpeeds(ranks: 2)
        speeds.record(samples: [16, 16], seconds: [4, 8]) // 4 and 2 samples/s
        XCTAssertEqual(speeds.weights, [4, 2])
        speeds.record(samples: [16, 16], seconds: [2, 8]) // rank 0 now at 8 samples/s
        XCTAssertEqual(speeds.weights[0], 0.75 * 4 + 0.25 * 8)
        XCTAssertEqual(speeds.weights[1], 2)
    }

    func testUnmeasuredRanksCountAsTheMeanAndNoRankStarves() {
        var speeds = RankSpeeds(ranks: 3)
        speeds.record(samples: [8, 8, 0], seconds: [1, 2, 0]) // rank 2 had no work
        XCTAssertEqual(speeds.weights, [8, 4, 6])
        var stalled = RankSpeeds(ranks: 2)
        stalled.record(samples: [8, 8], seconds: [1, 100])
        XCTAssertEqual(stalled.weights, [8, 2], "a quarter of the fastest at least")
    }

    func testIdenticalInputsGiveIdenticalWeights() {
        var a = RankSpeeds(ranks: 4), b = RankSpeeds(ranks: 4)
        for i in 0..<10 {
            let seconds = (0..<4).map { 1 + Double(($0 * 7 + i * 3) % 5) * 0.37 }
            a.record(samples: [16, 16, 16, 8], seconds: seconds)
            b.record(samples: [16, 16, 16, 8], seconds: seconds)
        }
        XCTAssertEqual(a.weights, b.weights)
    }
}
