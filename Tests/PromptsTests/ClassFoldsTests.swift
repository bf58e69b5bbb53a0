import Foundation
import Prompts
import TestSupport
import XCTest

/// PASCAL-5i's folds (4 folds of 5 classes) and the synthetic source restricted to them, as the
/// paper's protocol uses them: fold f evaluated on its classes, collected and searched on the others'.
final class ClassFoldsTests: XCTestCase {
    func testFoldsAreFiveConsecutiveClassesAndTheOthersAreTheTrainingFolds() {
        // PASCAL-5i: fold 0 is classes 1-5 (aeroplane...bottle), fold 3 classes 16-20.
        XCTAssertEqual(ClassFolds.classes(of: 0), [1, 2, 3, 4, 5])
        XCTAssertEqual(ClassFolds.classes(of: 3), [16, 17, 18, 19, 20])
        XCTAssertEqual(ClassFolds.others(than: 1), [0, 2, 3])
        XCTAssertEqual(ClassFolds.classes(of: [2, 0, 2]), [1, 2, 3, 4, 5, 11, 12, 13, 14, 15])
    }

    func testAFoldedSyntheticSourceCyclesThroughItsFoldsClassesOnly() throws {
        let eval = try SyntheticPromptSource(seed: 4, role: "eval", count: 12, folds: [2])
        let train = try SyntheticPromptSource(seed: 4, role: "train", count: 30, folds: [3, 0, 1])
        XCTAssertEqual(try (0..<12).map { try eval.prompt($0).classID }, (0..<12).map { 11 + $0 % 5 })
        let trainClasses = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 16, 17, 18, 19, 20]
        XCTAssertEqual(try (0..<30).map { try train.prompt($0).classID }, (0..<30).map { trainClasses[$0 % 15] })
        // The support shows the same class (scene numbers of one class differ by multiples of 20),
        // and no prompt repeats a query.
        for i in 0..<30 {
            let p = try train.prompt(i)
            let query = Int(p.query.dropFirst("synthetic-".count))!,
                support = Int(p.support.dropFirst("synthetic-".count))!
            XCTAssertEqual((support - query) % 20, 0)
            XCTAssertNotEqual(support, query)
        }
        XCTAssertEqual(Set(try (0..<30).map { try train.prompt($0).query }).count, 30)
        XCTAssertEqual(train.origin, "synthetic:4:folds=0,1,3")
    }

    func testWithoutFoldsTheSourceIsUnchanged() throws {
        // Files written before folds existed name scene firstScene + i as prompt i.
        let plain = try SyntheticPromptSource(seed: 9, role: "collect", count: 45)
        let all = try SyntheticPromptSource(seed: 9, role: "collect", count: 45, folds: [0, 1, 2, 3])
        for i in 0..<45 {
            XCTAssertEqual(plain.scene(of: i), plain.firstScene + i)
            XCTAssertEqual(try plain.prompt(i), try all.prompt(i))
        }
        XCTAssertEqual(plain.origin, "synthetic:9")
    }

    func testTheSourceSpecTakesFoldsLast() throws {
        XCTAssertEqual(try PromptSourceSpec(parsing: "synthetic:7:folds=1,2,3"), .synthetic(seed: 7, folds: [1, 2, 3]))
        XCTAssertEqual(
            try PromptSourceSpec(parsing: "synthetic:7:habitats:folds=2,0"),
            .synthetic(seed: 7, backgrounds: .habitats, folds: [0, 2]))
        XCTAssertEqual(try PromptSourceSpec(parsing: "synthetic:folds=3").description, "synthetic:0:folds=3")
        let opened = try PromptSourceSpec(parsing: "synthetic:7:folds=1").open(role: "eval", count: 3, seed: nil)
        XCTAssertEqual(try opened.prompt(1).classID, 7)
        XCTAssertEqual(opened.origin, "synthetic:7:folds=1")
        for bad in ["synthetic:7:folds=4", "synthetic:7:folds=", "synthetic:7:folds=a", "synthetic:7:folds=1:habitats"]
        {
            XCTAssertThrowsError(try PromptSourceSpec(parsing: bad), bad) {
                XCTAssertTrue("\($0)".hasPrefix("bad prompt source '\(bad)'"), "\($0)")
            }
        }
        XCTAssertThrowsError(try SyntheticPromptSource(seed: 1, role: "a", count: 2, folds: [])) {
            XCTAssertEqual($0 as? PromptSourceError, .badFolds([]))
        }
    }

    func testSeveralSplitListsAreInterleaved() throws {
        let dir = try TestPaths.temporaryDirectory("vtv-folds")
        defer { try? FileManager.default.removeItem(at: dir) }
        let voc = TestPaths.officialSmall.appendingPathComponent("voc").path
        let a = dir.appendingPathComponent("a.txt").path, b = dir.appendingPathComponent("b.txt").path
        try "2008_000001__1\n2008_000006__1\n2008_000011__1\n".write(toFile: a, atomically: true, encoding: .utf8)
        try "2008_000002__2\n2008_000007__2\n".write(toFile: b, atomically: true, encoding: .utf8)
        let both = try Pascal5i(vocRoot: voc, splitFiles: [a, b])
        XCTAssertEqual(
            both.entries.map(\.name), ["2008_000001", "2008_000002", "2008_000006", "2008_000007", "2008_000011"])
        XCTAssertEqual(both.splitFile, a + "," + b)
        // One list is the list itself.
        XCTAssertEqual(
            try Pascal5i(vocRoot: voc, splitFile: a).entries.map(\.name), ["2008_000001", "2008_000006", "2008_000011"])
    }

    func testAPascalSourceOpenedForMoreEpisodesGoesRoundItsListWithNewDraws() throws {
        let voc = try Pascal5i(vocRoot: TestPaths.officialSmall.appendingPathComponent("voc").path, fold: 0)
        let lines = try PascalPromptSource(dataset: voc, role: "eval", seed: 3)
        let episodes = try PascalPromptSource(dataset: voc, role: "eval", seed: 3, episodes: 30)
        XCTAssertEqual(lines.count, 12)
        XCTAssertEqual(episodes.count, 30)
        for i in 0..<12 { XCTAssertEqual(try episodes.prompt(i), try lines.prompt(i)) }
        // Episode 12 + i asks line i again, with its own support and square draws.
        for i in 0..<12 { XCTAssertEqual(try episodes.prompt(12 + i).query, try lines.prompt(i).query) }
        XCTAssertNotEqual(try (12..<24).map { try episodes.prompt($0) }, try (0..<12).map { try lines.prompt($0) })
        XCTAssertThrowsError(try lines.prompt(12))
    }
}
