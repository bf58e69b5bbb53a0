import Analyses
import Foundation
import Model
import Search
import TestSupport
import XCTest

/// `vtv ablate` on the tiny model's hand-listed low-light set (`AnalysesFixture`), on one and two ranks.
final class AblateCommandTests: XCTestCase {
    typealias F = AnalysesFixture

    static func ablateArguments(_ tv: String, out: String, model: String = F.path("m.h5"), extra: [String] = [])
        -> [String]
    {
        ["ablate", tv, "--model", model, "--activations", F.path("a.h5"), "--draws", "3", "--out", out]
            + F.evalPrompts + extra
    }

    override class func setUp() {
        super.setUp()
        F.runOnOneAndTwoRanks(
            "ablate", ablateArguments(F.path("tv-low.h5"), out: "", extra: ["--scores", F.path("s1.h5")]))
    }

    func testAblationReportsAreTheSameOnOneAndTwoRanks() throws {
        for file in ["ablation.json", "ablation.md", "ablation.png"] {
            XCTAssertEqual(try F.data("ablate-np1", file), try F.data("ablate-np2", file), file)
        }
    }

    func testAblationHasEveryPartOfTheStudy() throws {
        let report = try AblationReport.decode(try F.data("ablate-np1", "ablation.json"))
        let k = F.low.count
        XCTAssertEqual(report.set.variables, F.low)
        XCTAssertEqual(report.leaveOneOut.map(\.variable), F.low)
        for left in report.leaveOneOut {
            XCTAssertEqual(left.without.variables, F.low.filter { $0 != left.variable })
            // Importance is the set's mean minus the mean without the variable, lower MSE being better.
            XCTAssertEqual(left.importance, left.without.summary.mean - report.set.summary.mean, accuracy: 1e-12)
        }
        XCTAssertEqual(report.setByTaskness.map(\.k), Array(1...k))
        XCTAssertEqual(report.topKByTaskness.map(\.k), Array(1...k))
        XCTAssertEqual(report.setByTaskness.last?.result, report.set)
        XCTAssertEqual(report.random.perDraw.count, 3)
        XCTAssertTrue(report.random.perDraw.allSatisfy { $0.variables.count == k })
        // Variables 0-23 are the encoder's, 24-47 the decoder's.
        XCTAssertEqual(report.encoderOnly?.variables, [0, 3])
        XCTAssertEqual(report.decoderOnly?.variables, [30, 41])
        XCTAssertEqual(report.setVectorsDifferenceFromMeans, 0, "the set was made from the same means")
        XCTAssertEqual(report.prompts.indices.count, 3)
        let scores = try ScoresFile(path: F.path("s1.h5"))
        XCTAssertEqual(report.topKByTaskness.last?.result.variables, scores.top(k))
    }

    func testAblationRefusesOtherModelsGranularitiesEmptySetsAndOtherFileKinds() throws {
        let out = F.path("refused")
        try F.assertRefused(Self.ablateArguments(F.path("other-tv.h5"), out: out), "was made with another model")
        try F.assertRefused(
            Self.ablateArguments(F.path("tv-low.h5"), out: out, extra: ["--scores", F.path("s0.h5")]),
            "is for granularity 0, but granularity 1 was asked for")
        try F.assertRefused(Self.ablateArguments(F.path("tv-empty.h5"), out: out), "holds no variables")
        try F.assertRefused(
            Self.ablateArguments(F.path("a.h5"), out: out), "is a vtv activations file, not a task-vectors file")
        try F.assertRefused(Self.ablateArguments(F.path("tv-low.h5"), out: out, extra: ["--draws", "0"]), "--draws")
    }

}
