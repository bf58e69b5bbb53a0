import Distributed
import Pipeline
import XCTest

/// The rank-order reassembly of an evaluation's gathers, without MPI: each rank's results are made
/// as the rank makes them (its contiguous block of prompts), flattened, concatenated in rank order
/// as `gather` delivers them, and must come back in prompt order.
final class EvaluationGathersTests: XCTestCase {
    /// A value that names its task, mode and prompt, so a misplaced value is caught.
    private func metric(_ t: Int, _ m: Int, _ p: Int) -> Double { Double(t * 10_000 + m * 1000 + p) }
    private func seconds(_ t: Int, _ m: Int, _ r: Int) -> Double { Double(r * 100 + t * 10 + m) + 0.5 }
    private func crop(_ t: Int, _ p: Int, _ m: Int, bytes: Int) -> [UInt8] {
        (0..<bytes).map { UInt8((t * 31 + p * 7 + m * 3 + $0) % 251) }
    }

    private func check(count: Int, ranks: Int, tasks: Int, modes: Int, gridCount: Int, cropBytes: Int = 3) {
        var metrics: [Double] = [], times: [Double] = [], crops: [UInt8] = []
        for r in 0..<ranks {
            let block = shard(count, rank: r, of: ranks)
            let local = EvaluationGathers.Results(
                metrics: (0..<tasks).map { t in (0..<modes).map { m in block.map { metric(t, m, $0) } } },
                seconds: (0..<tasks).map { t in (0..<modes).map { m in [seconds(t, m, r)] } },
                crops: (0..<tasks).map { t in
                    block.filter { $0 < gridCount }.map { p in (0..<modes).map { m in crop(t, p, m, bytes: cropBytes) }
                    }
                })
            let flat = EvaluationGathers.flatten(local)
            metrics += flat.metrics
            times += flat.seconds
            crops += flat.crops
        }
        let result = EvaluationGathers.reassemble(
            metrics: metrics, seconds: times, crops: crops, count: count, ranks: ranks, tasks: tasks, modes: modes,
            gridCount: gridCount, cropBytes: cropBytes)
        let expected = EvaluationGathers.Results(
            metrics: (0..<tasks).map { t in (0..<modes).map { m in (0..<count).map { metric(t, m, $0) } } },
            seconds: (0..<tasks).map { t in (0..<modes).map { m in (0..<ranks).map { seconds(t, m, $0) } } },
            crops: (0..<tasks).map { t in
                (0..<min(gridCount, count)).map { p in (0..<modes).map { m in crop(t, p, m, bytes: cropBytes) } }
            })
        XCTAssertEqual(result, expected, "\(count) prompts on \(ranks) ranks, grid \(gridCount)")
    }

    func testOneRankKeepsThePromptOrder() {
        check(count: 7, ranks: 1, tasks: 2, modes: 3, gridCount: 4)
    }

    func testTwoRanksWithUnevenShares() {
        check(count: 7, ranks: 2, tasks: 2, modes: 3, gridCount: 5)
    }

    func testThreeRanksWithTheGridOnTheFirstRankOnly() {
        check(count: 10, ranks: 3, tasks: 3, modes: 2, gridCount: 2)
    }

    func testFiveRanksWithUnevenSharesAndTheGridAcrossRanks() {
        check(count: 13, ranks: 5, tasks: 2, modes: 3, gridCount: 9, cropBytes: 12)
    }

    func testMoreRanksThanPrompts() {
        check(count: 3, ranks: 5, tasks: 1, modes: 3, gridCount: 4)
    }

    func testNoGrid() {
        check(count: 8, ranks: 3, tasks: 2, modes: 2, gridCount: 0)
    }

    /// The gathered arrays are rank-major: rank 1's metrics follow all of rank 0's.
    func testFlattenIsTaskModePromptOrder() {
        let results = EvaluationGathers.Results(
            metrics: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], seconds: [[[0.1], [0.2]], [[0.3], [0.4]]],
            crops: [[[[1], [2]]], [[[3], [4]]]])
        let flat = EvaluationGathers.flatten(results)
        XCTAssertEqual(flat.metrics, [1, 2, 3, 4, 5, 6, 7, 8])
        XCTAssertEqual(flat.seconds, [0.1, 0.2, 0.3, 0.4])
        XCTAssertEqual(flat.crops, [1, 2, 3, 4])
    }
}
