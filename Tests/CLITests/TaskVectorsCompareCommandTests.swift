import Analyses
import Foundation
import Model
import Search
import TestSupport
import XCTest

/// `vtv taskvectors compare` on the tiny model's hand-listed sets (`AnalysesFixture`), alone and under mpirun.
final class TaskVectorsCompareCommandTests: XCTestCase {
    typealias F = AnalysesFixture

    override class func setUp() {
        super.setUp()
        F.runOnOneAndTwoRanks(
            "compare",
            [
                "taskvectors", "compare", F.path("tv-low.h5"), F.path("tv-inpaint.h5"), F.path("tv-composite.h5"),
                "--out", ""
            ])
    }

    func testComparisonIsTheSameUnderTwoRanks() throws {
        for file in ["compare.json", "compare.md", "compare.png"] {
            XCTAssertEqual(try F.data("compare-np1", file), try F.data("compare-np2", file), file)
        }
    }

    func testComparisonCountsChoicesAndOverlapsAsByHand() throws {
        let report = try ComparisonReport.decode(try F.data("compare-np1", "compare.json"))
        // low {0,3,30,41}, inpaint {3,7,45}, composite {0,7,30}: 0 twice, 3 twice, 7 twice, 30 twice.
        XCTAssertEqual(report.chosen.prefix(4).map(\.variable), [0, 3, 7, 30])
        XCTAssertEqual(report.chosen.prefix(4).map(\.count), [2, 2, 2, 2])
        XCTAssertEqual(report.chosenByAll, 0)
        XCTAssertEqual(report.jaccard[0][1], 1.0 / 6, accuracy: 1e-12) // {3} of 6
        XCTAssertEqual(report.jaccard[0][2], 2.0 / 5, accuracy: 1e-12) // {0,30} of 5
        XCTAssertEqual(report.jaccard[1][2], 1.0 / 5, accuracy: 1e-12) // {7} of 5
        XCTAssertEqual(report.meanJaccard, (1.0 / 6 + 2.0 / 5 + 1.0 / 5) / 3, accuracy: 1e-12)
        XCTAssertEqual(report.sets.map(\.encoderShare), [0.5, 2.0 / 3, 2.0 / 3])
        // Encoder layer 0 holds variables 0-7: low has 0 and 3, inpaint 3 and 7, composite 0 and 7.
        XCTAssertEqual(report.layers.first?.perSet, [2, 2, 2])
        XCTAssertEqual(report.layers.first?.standardDeviation, 0)
        XCTAssertEqual(report.layers.count, 5)
    }

    func testComparisonRefusesOtherModelsGranularitiesEmptySetsAndOtherFileKinds() throws {
        let out = ["--out", F.path("refused")]
        let low = F.path("tv-low.h5")
        try F.assertRefused(
            ["taskvectors", "compare", low, F.path("other-tv.h5")] + out, "was made with another model")
        try F.assertRefused(
            ["taskvectors", "compare", low, F.path("tv-g0.h5")] + out, "is for granularity 0, but granularity 1")
        try F.assertRefused(["taskvectors", "compare", low, F.path("tv-empty.h5")] + out, "holds no variables")
        try F.assertRefused(
            ["taskvectors", "compare", low, F.path("s1.h5")] + out, "is a vtv scores file, not a task-vectors file")
        try F.assertRefused(["taskvectors", "compare", low] + out, "'taskvectors compare' needs B.h5")
    }

}
