import Model
import Search
import XCTest

/// The published choice of a task's prompts (`BestPrompts.select`) on a hand-made pool whose
/// expected results are worked out by hand below, step by step.
final class BestPromptsTests: XCTestCase {
    /// Position, query, support, score. Prompts 0 and 1 share support X; after that, 1 and 6 share
    /// query B; 3 and 4 tie at 0.6.
    static let pool: [ScoredPrompt] = [
        ScoredPrompt(position: 0, query: "A", support: "X", score: 0.9),
        ScoredPrompt(position: 1, query: "B", support: "X", score: 0.5),
        ScoredPrompt(position: 2, query: "A", support: "Y", score: 0.7),
        ScoredPrompt(position: 3, query: "C", support: "Z", score: 0.6),
        ScoredPrompt(position: 4, query: "D", support: "W", score: 0.6),
        ScoredPrompt(position: 5, query: "E", support: "V", score: 0.2),
        ScoredPrompt(position: 6, query: "B", support: "U", score: 0.3)
    ]

    func positions(_ count: Int, _ metric: PredictionMetric) -> [Int] {
        BestPrompts.select(Self.pool, count: count, metric: metric).map(\.position)
    }

    // By hand: ascending 5 (.2), 6 (.3), 1 (.5), 3 (.6), 4 (.6), 2 (.7), 0 (.9).
    // One per support: X first at 1, so 0 goes: 5, 6, 1, 3, 4, 2.
    // One per query: B first at 6, so 1 goes: 5, 6, 3, 4, 2. (A is left only at 2.)

    func testIoUKeepsTheWorsePromptOfADuplicateImageAsThePublishedCodeDoes() {
        // Ranked by IoU, best first: 2 (.7), 3 and 4 (.6, pool order), 6 (.3), 5 (.2). Prompt 0, the
        // best of the pool, lost to 1 on support X, and 1 lost to 6 on query B: the quirk.
        XCTAssertEqual(positions(5, .segmentationIoU), [2, 3, 4, 6, 5])
        XCTAssertEqual(positions(3, .segmentationIoU), [2, 3, 4])
    }

    func testMSEKeepsTheBetterPromptOfADuplicateImageAndRanksSmallestFirst() {
        XCTAssertEqual(positions(5, .normalizedMSE), [5, 6, 3, 4, 2])
        XCTAssertEqual(positions(2, .normalizedMSE), [5, 6])
    }

    func testEqualScoresKeepPoolOrderWhicheverWayTheyAreRanked() {
        let tied = (0..<4).map { ScoredPrompt(position: $0, query: "q\($0)", support: "s\($0)", score: 1) }
        XCTAssertEqual(BestPrompts.select(tied, count: 4, metric: .segmentationIoU).map(\.position), [0, 1, 2, 3])
        XCTAssertEqual(BestPrompts.select(tied, count: 4, metric: .normalizedMSE).map(\.position), [0, 1, 2, 3])
    }

    func testFewerPromptsThanAskedForSurviveWhenImagesRepeat() {
        // Five distinct supports survive the first step, and five distinct queries the second.
        XCTAssertEqual(positions(7, .normalizedMSE).count, 5)
        XCTAssertEqual(
            BestPrompts.largestSelection(queries: Self.pool.map(\.query), supports: Self.pool.map(\.support)), 5)
    }

    func testTheChosenPromptsCarryTheirOwnScoresAndImages() {
        XCTAssertEqual(
            BestPrompts.select(Self.pool, count: 1, metric: .segmentationIoU),
            [ScoredPrompt(position: 2, query: "A", support: "Y", score: 0.7)])
    }
}
