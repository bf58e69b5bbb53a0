import Foundation
import Search
import TestSupport
import XCTest

/// Transfer (`vtv eval`): task vectors averaged over one synthetic fold, scored on the same fold and
/// on another; the report names the prompts the vectors came from and the target prompts, and marks
/// the move to another fold as a transfer. Run as the built binary on a tiny model.
final class EvalTransferTests: XCTestCase {
    static var directory: URL!
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func vtv(_ arguments: [String]) throws -> CommandResult {
        try runCommand(TestPaths.vtv, arguments, environment: ["VTV_QUIET": "1"])
    }

    /// Made once: a tiny model, segmentation means over 3 prompts of fold 0 of synthetic seed 4,
    /// task vectors of two variables taken from them, and `vtv taskvectors make` / `vtv search`'s files.
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("vtv-eval-transfer")
        let steps: [[String]] = [
            ["model", "init", "--config", "tiny", "--seed", "3", "--out", path("m.h5")],
            [
                "collect", "--model", path("m.h5"), "--source", "synthetic:4:folds=0", "--role", "collect",
                "--count", "3", "--tasks", "segmentation", "--out", path("a.h5")
            ],
            [
                "taskvectors", "make", "--model", path("m.h5"), "--activations", path("a.h5"), "--task",
                "segmentation", "--variables", "0,3", "--out", path("tv.h5")
            ]
        ]
        for step in steps {
            let r = try! vtv(step)
            precondition(r.status == 0, "setting up \(step): \(r.output)")
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    /// The report of the vectors evaluated on 2 eval prompts of `source`.
    func evaluate(on source: String, out: String) throws -> (json: [String: Any], markdown: String) {
        let r = try Self.vtv([
            "eval", "--model", Self.path("m.h5"), "--source", source, "--role", "eval", "--count", "2", "--tasks",
            "segmentation", "--taskvectors", Self.path("tv.h5"), "--grid", "0", "--out", Self.path(out)
        ])
        XCTAssertEqual(r.status, 0, r.output)
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path(out + "/report.json")))
        let markdown = try String(contentsOfFile: Self.path(out + "/report.md"), encoding: .utf8)
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any], markdown)
    }

    func testTheFileRecordsTheFoldItsMeansCameFrom() throws {
        let vectors = try TaskVectors(path: Self.path("tv.h5"))
        XCTAssertEqual(vectors.meansFrom?.sources, ["synthetic:4:folds=0"])
        XCTAssertEqual(vectors.meansFrom?.classes, [1, 2, 3])
        XCTAssertEqual(vectors.meansFrom?.folds, [0])
        XCTAssertEqual(vectors.meansFrom?.prompts, 3)
    }

    func testAnotherFoldIsReportedAsATransferAndTheSameFoldIsNot() throws {
        let far = try evaluate(on: "synthetic:4:folds=1", out: "far")
        let task = (far.json["tasks"] as! [[String: Any]])[0]
        let vectors = task["task_vectors"] as! [String: Any]
        XCTAssertEqual(vectors["transfer"] as? Bool, true)
        let from = vectors["means_from"] as! [String: Any]
        XCTAssertEqual(from["sources"] as? [String], ["synthetic:4:folds=0"])
        XCTAssertEqual(from["classes"] as? [Int], [1, 2, 3])
        let target = (far.json["prompts"] as! [String: Any])["provenance"] as! [String: Any]
        XCTAssertEqual(target["sources"] as? [String], ["synthetic:4:folds=1"])
        XCTAssertEqual(target["classes"] as? [Int], [6, 7])
        XCTAssertTrue(far.markdown.contains("3 prompt(s) of synthetic:4:folds=0, classes 1-3 (fold 0)"), far.markdown)
        XCTAssertTrue(far.markdown.contains("2 prompt(s) of synthetic:4:folds=1, classes 6-7 (fold 1)"), far.markdown)
        XCTAssertTrue(far.markdown.contains("a transfer"), far.markdown)

        let near = try evaluate(on: "synthetic:4:folds=0", out: "near")
        let nearVectors = (near.json["tasks"] as! [[String: Any]])[0]["task_vectors"] as! [String: Any]
        XCTAssertEqual(nearVectors["transfer"] as? Bool, false)
        XCTAssertFalse(near.markdown.contains("a transfer"), near.markdown)
    }
}
