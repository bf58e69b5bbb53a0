import Foundation
import TestSupport
import XCTest

/// `vtv predict` on the fixture model with task vectors of its own and of another model.
final class PredictCommandTests: XCTestCase {
    static var directory: URL!
    static let fixture = TestPaths.fixtureH5
    /// A JPEG of the fixture's VOC folder (the query of prompt 3).
    static let image = TestPaths.officialSmall.appendingPathComponent(
        "voc/VOCdevkit/VOC2012/JPEGImages/2008_000004.jpg"
    ).path

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Made once: segmentation task vectors of the fixture model and of a second model.
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("vtv-predict-cli")
        let steps: [[String]] = [
            [
                "collect", "--model", fixture, "--prompts", fixture, "--role", "collect", "--tasks", "segmentation",
                "--out", path("a.h5")
            ],
            [
                "taskvectors", "make", "--model", fixture, "--activations", path("a.h5"), "--task", "segmentation",
                "--variables", "1,4,6,12", "--out", path("tv.h5")
            ],
            ["model", "init", "--config", "tiny", "--seed", "5", "--out", path("other.h5")],
            ["model", "init", "--config", "tiny", "--seed", "6", "--out", path("sibling.h5")],
            [
                "collect", "--model", path("other.h5"), "--prompts", fixture, "--count", "1", "--tasks", "segmentation",
                "--out", path("other-a.h5")
            ],
            [
                "taskvectors", "make", "--model", path("other.h5"), "--activations", path("other-a.h5"), "--task",
                "segmentation",
                "--variables", "0,5", "--out", path("other-tv.h5")
            ]
        ]
        for step in steps {
            let r = try! runCommand(TestPaths.vtv, step, environment: ["VTV_QUIET": "1"])
            precondition(r.status == 0, "setting up \(step): \(r.output)")
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    private func predict(_ extra: [String], vectors: String = path("tv.h5"), image: String = image) throws
        -> CommandResult
    {
        try runCommand(
            TestPaths.vtv, ["predict", "--model", Self.fixture, "--taskvectors", vectors, "--image", image] + extra)
    }

    /// Width and height from a PNG's IHDR chunk, after checking the signature.
    private func pngSize(_ path: String, file: StaticString = #filePath, line: UInt = #line) throws -> (Int, Int) {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], file: file, line: line)
        let be = { (r: Range<Int>) in bytes[r].reduce(0) { $0 << 8 | Int($1) } }
        return (be(16..<20), be(20..<24))
    }

    func testPredictWritesTheAnswerQuadrantAsA111PixelPNG() throws {
        let out = Self.path("answer.png")
        let r = try predict(["--out", out])
        XCTAssertEqual(r.status, 0, r.output)
        let (w, h) = try pngSize(out)
        XCTAssertEqual([w, h], [111, 111], "the answer quadrant of a 224 canvas is 111x111")
    }

    func testFullWritesTheWholeCanvasAtTheAskedSize() throws {
        let out = Self.path("full.png")
        let r = try predict(["--out", out, "--full", "--canvas-size", "320"])
        XCTAssertEqual(r.status, 0, r.output)
        let (w, h) = try pngSize(out)
        XCTAssertEqual([w, h], [320, 320])
    }

    func testTaskVectorsOfAnotherModelAreRefusedAndNothingIsWritten() throws {
        let out = Self.path("other.png")
        let r = try predict(["--out", out], vectors: Self.path("other-tv.h5"))
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("was made with another model"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    /// other-tv.h5 was made with other.h5 (tiny, seed 5); sibling.h5 has its configuration, not its hash.
    func testASiblingModelsVectorsNeedTheFlagAndAnotherConfigurationIsRefusedEvenThen() throws {
        func predictWithSibling(_ extra: [String], vectors: String) throws -> CommandResult {
            try runCommand(
                TestPaths.vtv,
                ["predict", "--model", Self.path("sibling.h5"), "--taskvectors", vectors, "--image", Self.image] + extra
            )
        }
        let refused = Self.path("sibling-refused.png")
        let r = try predictWithSibling(["--out", refused], vectors: Self.path("other-tv.h5"))
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("was made with another model"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: refused))

        let accepted = Self.path("sibling.png")
        let ok = try predictWithSibling(["--out", accepted, "--allow-other-model"], vectors: Self.path("other-tv.h5"))
        XCTAssertEqual(ok.status, 0, ok.output)
        XCTAssertTrue(ok.stdout.contains("--allow-other-model"), ok.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: accepted))

        let otherConfiguration = Self.path("sibling-config.png")
        let no = try predictWithSibling(
            ["--out", otherConfiguration, "--allow-other-model"], vectors: Self.path("tv.h5"))
        XCTAssertEqual(no.status, 1, no.output)
        XCTAssertTrue(no.stderr.contains("another configuration"), no.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: otherConfiguration))
    }

    func testAFileThatIsNotAnImageIsRefusedAndNothingIsWritten() throws {
        let out = Self.path("notimage.png")
        let r = try predict(["--out", out], image: Self.path("a.h5"))
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("is neither a JPEG nor a PNG"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testAMissingImageIsNamedInTheError() throws {
        let out = Self.path("missing.png")
        let r = try predict(["--out", out], image: Self.path("nowhere.jpg"))
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("nowhere.jpg") && r.stderr.contains("no such file"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
