import Foundation
import Storage
import TestSupport
import XCTest

/// Bad inputs to the prompts commands: each gives a specific message, a non-zero exit status, and
/// leaves no output file (not even a temporary one) behind.
final class PromptsBadInputTests: XCTestCase {
    private var work: URL!
    /// Where outputs go; must stay empty after every failure.
    private var outputs: URL!
    private let fixtureVOC = TestPaths.officialSmall.appendingPathComponent("voc/VOCdevkit/VOC2012").path

    override func setUpWithError() throws {
        work = try TestPaths.temporaryDirectory("vtv-prompts-bad")
        outputs = work.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outputs, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    private var out: String { outputs.appendingPathComponent("p.h5").path }

    /// A damageable copy of the fixture's VOC folder and its fold-0 split.
    private func copyOfVOC() throws -> (voc: String, split: String) {
        let voc = work.appendingPathComponent("VOC2012").path
        try FileManager.default.copyItem(atPath: fixtureVOC, toPath: voc)
        let split = work.appendingPathComponent("split.txt").path
        try FileManager.default.copyItem(
            atPath: TestPaths.officialSmall.appendingPathComponent("voc/splits/fold0.txt").path,
            toPath: split)
        return (voc, split)
    }

    /// Runs vtv and checks the failure: `status`, `message` on stderr, nothing in the output folder.
    private func expectFailure(
        _ arguments: [String], status: Int32 = 1, message: String, ranks: Int = 1,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let result =
            ranks == 1
            ? try runCommand(TestPaths.vtv, arguments, environment: ["VTV_QUIET": "1"])
            : try runMPI(ranks: ranks, TestPaths.vtv, arguments, environment: ["VTV_QUIET": "1"])
        if ranks == 1 {
            XCTAssertEqual(result.status, status, result.output, file: file, line: line)
        } else {
            XCTAssertNotEqual(result.status, 0, result.output, file: file, line: line)
        }
        XCTAssertTrue(
            result.stderr.contains(message), "expected '\(message)' in:\n\(result.output)", file: file, line: line)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outputs.path), [], file: file, line: line)
    }

    private func exportArguments(_ voc: String, _ split: String) -> [String] {
        ["prompts", "export", "--source", "pascal:\(voc):\(split)", "--role", "eval", "--out", out]
    }

    func testASplitNamingMissingImagesIsReportedUpFrontWithCounts() throws {
        let (voc, split) = try copyOfVOC()
        try "2008_000001__1\nnope_a__1\nnope_b__2\n2008_000002__2\n".write(
            toFile: split, atomically: true, encoding: .utf8)
        try expectFailure(
            exportArguments(voc, split),
            message: "4 files listed by the split are missing (2 images, 2 labels)")
    }

    func testAClassWithASingleImageIsRejectedBeforeAnythingIsBuilt() throws {
        let (voc, split) = try copyOfVOC()
        try "2008_000001__1\n2008_000006__1\n2008_000005__5\n".write(toFile: split, atomically: true, encoding: .utf8)
        try expectFailure(exportArguments(voc, split), message: "class 5 (2008_000005)")
    }

    func testBuildingWithAClassAbsentFromTheLabelsIsRejected() throws {
        try expectFailure(
            [
                "prompts", "build", "--voc", fixtureVOC, "--query", "2008_000001", "--support", "2008_000006",
                "--class", "7", "--out", out
            ],
            message: "class 7 does not occur in the labels of '2008_000006'")
    }

    func testANonImageFileStopsTheExportNamingTheFile() throws {
        let (voc, split) = try copyOfVOC()
        try "just text".write(toFile: voc + "/JPEGImages/2008_000009.jpg", atomically: true, encoding: .utf8)
        try expectFailure(
            exportArguments(voc, split),
            message: "(query 2008_000004, support 2008_000009): '\(voc)/JPEGImages/2008_000009.jpg' "
                + "is neither a JPEG nor a PNG")
    }

    func testANonImageFileStopsAnExportUnderMpirunWithoutLeavingAFile() throws {
        let (voc, split) = try copyOfVOC()
        try "just text".write(toFile: voc + "/JPEGImages/2008_000003.jpg", atomically: true, encoding: .utf8)
        // Prompt 2 belongs to rank 0's share and is also prompt 7's support (rank 1's share).
        try expectFailure(exportArguments(voc, split), message: "is neither a JPEG nor a PNG", ranks: 2)
    }

    func testALabelOfTheWrongSizeIsRejectedWithBothSizes() throws {
        let (voc, split) = try copyOfVOC()
        // 2008_000004 is 218x209 (class 4); the label of 2008_000009 (also class 4) is 250x137.
        let label = voc + "/SegmentationClassAug/2008_000004.png"
        try FileManager.default.removeItem(atPath: label)
        try FileManager.default.copyItem(atPath: voc + "/SegmentationClassAug/2008_000009.png", toPath: label)
        try expectFailure(
            exportArguments(voc, split),
            message: "label image for '\(label)' is 137x250 but the image is 209x218")
    }

    func testAnUnknownTaskNameIsAUsageError() throws {
        try expectFailure(
            [
                "prompts", "export", "--source", "synthetic:1", "--count", "1", "--role", "eval",
                "--tasks", "segmentation,deblur", "--out", out
            ],
            status: 2, message: "unknown task 'deblur'")
    }

    func testAMalformedSourceIsAUsageError() throws {
        try expectFailure(
            ["prompts", "export", "--source", "pascal:\(fixtureVOC)", "--role", "eval", "--out", out],
            status: 2, message: "pascal needs a VOC folder and a split file")
    }

    func testAnIndexOutOfRangeIsReportedWithTheValidRange() throws {
        try expectFailure(
            [
                "prompts", "render", "--prompts", TestPaths.fixtureH5, "--index", "5", "--task", "identity",
                "--out", outputs.appendingPathComponent("c.png").path
            ],
            message: "prompt index 5 is out of range: \(TestPaths.fixtureH5) has 5 prompt(s), 0...4")
    }

    func testAPromptsFileMissingAListedTaskIsRejectedNamingPromptAndTask() throws {
        let damaged = work.appendingPathComponent("damaged.h5").path
        let export = try runCommand(
            TestPaths.vtv,
            [
                "prompts", "export", "--source", "synthetic:1", "--count", "2",
                "--role", "eval", "--canvas-size", "16", "--out", damaged
            ],
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(export.status, 0, export.output)
        let file = try HDF5File.open(damaged, writable: true)
        try file.root.remove("prompts/1/colorization")
        try file.commit()
        try expectFailure(
            [
                "prompts", "render", "--prompts", damaged, "--index", "0", "--task", "identity",
                "--out", outputs.appendingPathComponent("c.png").path
            ],
            message: "prompt 1 has no canvas for task 'colorization' although the file lists that task")
    }

    func testASyntheticExportWithoutACountSaysSo() throws {
        try expectFailure(
            ["prompts", "export", "--source", "synthetic:1", "--role", "eval", "--out", out],
            message: "synthetic:1 can generate any number of prompts; say how many with --count N")
    }
}
