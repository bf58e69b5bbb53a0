import Foundation
import Prompts
import TestSupport
import XCTest

final class Pascal5iTests: XCTestCase {
    private var vocRoot: String { TestPaths.officialSmall.appendingPathComponent("voc").path }

    func testSplitFileIsParsedIntoNamesAndClasses() throws {
        let voc = try Pascal5i(vocRoot: vocRoot, fold: 0)
        XCTAssertEqual(voc.entries.count, 12)
        XCTAssertEqual(voc.entries[0], Pascal5i.Entry(name: "2008_000001", classID: 1))
        XCTAssertEqual(voc.classID(of: "2008_000012"), 2)
        XCTAssertTrue(voc.vocFolder.hasSuffix("VOCdevkit/VOC2012"))
    }

    func testSupportsShareTheQueryClassAndAreNeverTheQuery() throws {
        let voc = try Pascal5i(vocRoot: vocRoot, fold: 0)
        var supports = Set<String>()
        for seed in UInt64(0)..<20 {
            for i in voc.entries.indices {
                let spec = try voc.prompt(i, seed: seed)
                XCTAssertNotEqual(spec.support, spec.query)
                XCTAssertEqual(voc.classID(of: spec.support), spec.classID)
                XCTAssertEqual(spec, try voc.prompt(i, seed: seed))
                if i == 0 { supports.insert(spec.support) }
            }
        }
        // Class 1 has three images, so query 0 has two possible supports; both turn up.
        XCTAssertEqual(supports, ["2008_000006", "2008_000011"])
    }

    func testMissingFilesAreAllReportedUpFrontWithCounts() throws {
        let dir = try TestPaths.temporaryDirectory("vtv-pascal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let fm = FileManager.default
        for sub in ["JPEGImages", "SegmentationClassAug", "splits"] {
            try fm.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try fm.copyItem(
            atPath: "\(vocRoot)/VOCdevkit/VOC2012/JPEGImages/2008_000001.jpg",
            toPath: dir.appendingPathComponent("JPEGImages/a.jpg").path)
        try "a__1\nb__1\nc__2\n".write(
            to: dir.appendingPathComponent("splits/fold3.txt"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Pascal5i(vocRoot: dir.path, fold: 3)) { error in
            guard case let PromptError.missingFiles(count, images, labels, examples) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual([count, images, labels], [5, 2, 3])
            XCTAssertEqual(examples.count, 5)
        }
    }

    func testMalformedSplitLinesNameTheFileAndLine() throws {
        let dir = try TestPaths.temporaryDirectory("vtv-pascal")
        defer { try? FileManager.default.removeItem(at: dir) }
        let split = dir.appendingPathComponent("split.txt").path
        try "2008_000001__1\n2008_000002 2\n".write(toFile: split, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try Pascal5i(vocRoot: vocRoot, splitFile: split)) {
            XCTAssertEqual($0 as? PromptError, .badSplitLine(file: split, line: 2, text: "2008_000002 2"))
        }
    }
}
