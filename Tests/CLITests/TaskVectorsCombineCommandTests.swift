import Analyses
import Foundation
import Model
import Search
import TestSupport
import XCTest

/// `vtv taskvectors combine` of the tiny model's low-light and in-painting sets on their composite
/// (`AnalysesFixture`), on one and two ranks.
final class TaskVectorsCombineCommandTests: XCTestCase {
    typealias F = AnalysesFixture

    static func combineArguments(_ a: String, _ b: String, out: String, extra: [String] = []) -> [String] {
        ["taskvectors", "combine", a, b, "--model", F.path("m.h5"), "--out", out] + F.evalPrompts + extra
    }

    override class func setUp() {
        super.setUp()
        F.runOnOneAndTwoRanks(
            "combine",
            combineArguments(
                F.path("tv-low.h5"), F.path("tv-inpaint.h5"), out: "", extra: ["--composite", F.path("tv-composite.h5")]
            ))
    }

    /// The union is written as union.h5 into --out: an input of that name there is never replaced,
    /// and an --out that already holds other files keeps them.
    func testCombinationNeverWritesOverAnInputAndLeavesOtherFilesAlone() throws {
        let folder = F.directory.appendingPathComponent("combine-hostile")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let input = folder.appendingPathComponent("union.h5").path
        try FileManager.default.copyItem(atPath: F.path("tv-low.h5"), toPath: input)
        let before = try Data(contentsOf: URL(fileURLWithPath: input))
        let refused = try F.vtv(Self.combineArguments(input, F.path("tv-inpaint.h5"), out: folder.path))
        XCTAssertNotEqual(refused.status, 0)
        XCTAssertTrue(refused.stderr.contains("vtv never writes over its own inputs"), refused.stderr)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: input)), before)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("combine.json").path))

        let notes = folder.appendingPathComponent("notes.txt")
        try Data("mine".utf8).write(to: notes)
        let other = folder.appendingPathComponent("a.h5").path
        try FileManager.default.moveItem(atPath: input, toPath: other)
        let done = try F.vtv(Self.combineArguments(other, F.path("tv-inpaint.h5"), out: folder.path))
        XCTAssertEqual(done.status, 0, done.output)
        XCTAssertEqual(try Data(contentsOf: notes), Data("mine".utf8))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: other)), before)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("union.h5").path))
    }

    func testCombinationIsTheSameOnOneAndTwoRanks() throws {
        for file in ["combine.json", "combine.md", "combine.png"] {
            XCTAssertEqual(try F.data("combine-np1", file), try F.data("combine-np2", file), file)
        }
    }

    func testTheUnionPatchesBothSetsAndAveragesSharedVariables() throws {
        let report = try CombinationReport.decode(try F.data("combine-np1", "combine.json"))
        XCTAssertEqual(report.task, "lowlight_inpaint")
        XCTAssertEqual(report.union.variables, [0, 3, 7, 30, 41, 45])
        XCTAssertEqual(report.sharedVariables, [3])
        XCTAssertEqual(report.composite?.result.variables, F.composite)
        XCTAssertEqual(report.unionCompositeJaccard ?? -1, 3.0 / 6, accuracy: 1e-12)
        let union = try TaskVectors(path: F.path("combine-np1/union.h5"))
        let low = try TaskVectors(path: F.path("tv-low.h5")),
            inpaint = try TaskVectors(path: F.path("tv-inpaint.h5"))
        XCTAssertEqual(union.task, "lowlight_inpaint")
        XCTAssertEqual(union.variables, [0, 3, 7, 30, 41, 45])
        let lowFrom = try XCTUnwrap(low.meansFrom), inpaintFrom = try XCTUnwrap(inpaint.meansFrom)
        XCTAssertEqual(union.meansFrom, lowFrom.merged(with: inpaintFrom), "both sets' prompts")
        func at(_ v: TaskVectors, _ target: PatchSet.Target) -> [Float] { v.vectors[v.targets.firstIndex(of: target)!] }
        for (target, vector) in zip(union.targets, union.vectors) {
            switch (low.targets.contains(target), inpaint.targets.contains(target)) {
            case (true, true):
                XCTAssertEqual(vector, zip(at(low, target), at(inpaint, target)).map { ($0 + $1) / 2 })
            case (true, false): XCTAssertEqual(vector, at(low, target))
            case (false, true): XCTAssertEqual(vector, at(inpaint, target))
            case (false, false): XCTFail("union target \(target) is in neither set")
            }
        }
    }

    func testCombinationRefusesOtherModelsGranularitiesEmptySetsNonCompositesAndOtherFileKinds() throws {
        let out = F.path("refused"), low = F.path("tv-low.h5")
        try F.assertRefused(Self.combineArguments(low, F.path("other-tv.h5"), out: out), "was made with another model")
        try F.assertRefused(Self.combineArguments(low, F.path("tv-g0.h5"), out: out), "is for granularity 0")
        try F.assertRefused(Self.combineArguments(low, F.path("tv-empty.h5"), out: out), "holds no variables")
        try F.assertRefused(Self.combineArguments(low, low, out: out), "are not the two tasks of a composite")
        try F.assertRefused(
            Self.combineArguments(low, F.path("tv-inpaint.h5"), out: out, extra: ["--composite", low]),
            "not the composite 'lowlight_inpaint'")
        try F.assertRefused(
            Self.combineArguments(low, F.path("a.h5"), out: out),
            "is a vtv activations file, not a task-vectors file")
        try F.assertRefused(
            Self.combineArguments(low, F.path("tv-inpaint.h5"), out: out, extra: ["--shared", "sum"]), "--shared")
    }
}
