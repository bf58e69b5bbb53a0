import Foundation
import Search
import Storage
import TestSupport
import XCTest

/// `vtv infer --mode patched-one-shot` on the tiny model (`vtv model init`): task vectors written
/// into a one-shot prompt (the published code's `--zero_shot 0`), scored against both tasks'
/// targets; an empty set leaves the one-shot run exactly as it is; files of another model or
/// granularity are refused and nothing is written.
final class InferOneShotPatchTests: XCTestCase {
    static var directory: URL!
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static var model: String { path("tiny.h5") }

    static func vtv(_ arguments: [String]) throws -> CommandResult {
        try runCommand(TestPaths.vtv, arguments, environment: ["VTV_QUIET": "1"])
    }

    /// Made once: the tiny model, its means of segmentation and colorization over one prompt, a
    /// task-vectors file for each, the same set emptied, and segmentation vectors of the fixture model.
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("vtv-infer-one-shot")
        let fixture = TestPaths.fixtureH5
        let steps: [[String]] = [
            ["model", "init", "--config", "tiny", "--seed", "3", "--out", model],
            [
                "collect", "--model", model, "--prompts", fixture, "--count", "1", "--tasks",
                "segmentation,colorization", "--out", path("a.h5")
            ],
            [
                "taskvectors", "make", "--model", model, "--activations", path("a.h5"), "--task", "colorization",
                "--variables", "0,3,7,12,40,41,42", "--out", path("tv-colorization.h5")
            ],
            [
                "collect", "--model", fixture, "--prompts", fixture, "--count", "1", "--tasks", "segmentation",
                "--out", path("fixture-a.h5")
            ],
            [
                "taskvectors", "make", "--model", fixture, "--activations", path("fixture-a.h5"), "--task",
                "segmentation", "--variables", "0,5", "--out", path("fixture-tv.h5")
            ]
        ]
        for step in steps {
            let r = try! vtv(step)
            precondition(r.status == 0, "setting up \(step): \(r.output)")
        }
        var empty = try! TaskVectors(path: path("tv-colorization.h5"))
        (empty.variables, empty.targets, empty.vectors) = ([], [], [])
        try! empty.write(to: path("tv-empty.h5"))
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    private func infer(_ mode: String, _ extra: [String] = [], out: String) throws -> CommandResult {
        try Self.vtv(
            [
                "infer", "--model", Self.model, "--prompts", TestPaths.fixtureH5, "--index", "3", "--task",
                "segmentation", "--mode", mode, "--out", Self.path(out)
            ] + extra)
    }

    private func logits(_ name: String) throws -> [Float] {
        let file = try HDF5File.open(Self.path(name))
        defer { file.discard() }
        return try file.root.read("logits", as: Float.self).values
    }

    func testAnEmptySetPatchedIntoOneShotEqualsPlainOneShotExactly() throws {
        let plain = try infer("one-shot", out: "plain.h5")
        XCTAssertEqual(plain.status, 0, plain.output)
        let empty = try infer("patched-one-shot", ["--taskvectors", Self.path("tv-empty.h5")], out: "empty.h5")
        XCTAssertEqual(empty.status, 0, empty.output)
        XCTAssertEqual(try logits("empty.h5"), try logits("plain.h5"))
        let file = try HDF5File.open(Self.path("empty.h5"))
        defer { file.discard() }
        XCTAssertEqual(try file.root.attribute("mode").stringValue, "patched-one-shot")
        XCTAssertEqual(try file.root.attribute("patched_head_outputs").intValue, 0)
    }

    /// Colorization vectors in a segmentation one-shot prompt change the prediction, which is
    /// scored against both targets: segmentation's IoU and colorization's MSE.
    func testAnotherTasksVectorsInAOneShotPromptAreScoredAgainstBothTargets() throws {
        XCTAssertEqual(try infer("one-shot", out: "plain2.h5").status, 0)
        let r = try infer("patched-one-shot", ["--taskvectors", Self.path("tv-colorization.h5")], out: "cross.h5")
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("against the colorization target mse"), r.stdout)
        XCTAssertNotEqual(try logits("cross.h5"), try logits("plain2.h5"), "the patch should change the run")
        let file = try HDF5File.open(Self.path("cross.h5"))
        defer { file.discard() }
        XCTAssertEqual(try file.root.attribute("metric_name").stringValue, "iou")
        XCTAssertEqual(try file.root.attribute("taskvectors_task").stringValue, "colorization")
        XCTAssertEqual(try file.root.attribute("taskvectors_task_metric_name").stringValue, "mse")
        XCTAssertNotNil(try file.root.attribute("taskvectors_task_metric").doubleValue)
        // One-shot: the decoder has 197 tokens, so patched one-shot differs from patched zero-shot.
        XCTAssertEqual(try file.root.read("logits", as: Float.self).shape.first, 196)
    }

    /// Runs `infer --mode patched-one-shot` with `extra` and expects `status` (1: bad input, 2: a
    /// usage error), `message` on stderr and no result file.
    private func assertRefused(
        _ extra: [String], status: Int32 = 1, message: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let out = "refused-\(UUID().uuidString).h5"
        let r = try infer("patched-one-shot", extra, out: out)
        XCTAssertEqual(r.status, status, r.output, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), "expected '\(message)' in: \(r.stderr)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path(out)), file: file, line: line)
    }

    func testAnotherGranularityOrModelIsRefusedAndNothingIsWritten() throws {
        try assertRefused(
            ["--taskvectors", Self.path("tv-colorization.h5"), "--granularity", "2"],
            message: "is for granularity 1, but granularity 2 was asked for")
        try assertRefused(["--taskvectors", Self.path("fixture-tv.h5")], message: "was made with another model")
        try assertRefused([], status: 2, message: "--mode patched-one-shot needs --patch-variables")
    }
}
