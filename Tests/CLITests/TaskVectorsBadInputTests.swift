import Foundation
import TestSupport
import XCTest

/// Files that do not belong together are refused with a specific message, exit status 1 and no
/// output file: task vectors or activations of another model, an activations file without the
/// task asked for, task vectors or scores of another granularity.
final class TaskVectorsBadInputTests: XCTestCase {
    static var directory: URL!
    static let fixture = TestPaths.fixtureH5

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Shared inputs, made once: the fixture model's activations (segmentation and inpaint, prompts
    /// 0-1), a second model (`model init --config tiny`) with its own activations, and granularity-1
    /// task vectors and scores of each model.
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("tv-bad-input")
        let vtv = TestPaths.vtv
        let steps: [[String]] = [
            ["model", "init", "--config", "tiny", "--seed", "3", "--out", path("other.h5")],
            [
                "collect", "--model", fixture, "--prompts", fixture, "--count", "2", "--tasks", "segmentation,inpaint",
                "--out", path("a.h5")
            ],
            [
                "collect", "--model", path("other.h5"), "--prompts", fixture, "--count", "2", "--tasks",
                "segmentation,inpaint",
                "--out", path("other-a.h5")
            ],
            [
                "taskvectors", "make", "--model", path("other.h5"), "--activations", path("other-a.h5"), "--task",
                "segmentation",
                "--variables", "0,5", "--out", path("other-tv.h5")
            ],
            [
                "taskvectors", "make", "--model", fixture, "--activations", path("a.h5"), "--task", "segmentation",
                "--granularity", "1", "--variables", "1,30", "--out", path("tv.h5")
            ],
            ["score", "--activations", path("a.h5"), "--granularity", "1", "--out", path("s1.h5")],
            ["score", "--activations", path("other-a.h5"), "--granularity", "0", "--out", path("other-s0.h5")]
        ]
        for step in steps {
            guard let r = try? runCommand(vtv, step), r.status == 0 else {
                setupProblem = "setting up with `vtv \(step.joined(separator: " "))` failed"
                return
            }
        }
    }

    /// Why the shared inputs could not be made, failing every test.
    static var setupProblem: String?

    override func setUpWithError() throws {
        if let problem = Self.setupProblem { XCTFail(problem) }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    /// Runs vtv and expects exit status 1, every `message` on stderr and nothing at `out`.
    func assertRefused(
        _ arguments: [String], out: String, message: String..., file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let r = try runCommand(TestPaths.vtv, arguments)
        XCTAssertEqual(r.status, 1, r.output, file: file, line: line)
        for text in message {
            XCTAssertTrue(r.stderr.contains(text), "expected '\(text)' in: \(r.stderr)", file: file, line: line)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(out) was written", file: file, line: line)
    }

    func patchedInfer(_ extra: [String], task: String = "segmentation", out: String) -> [String] {
        [
            "infer", "--model", Self.fixture, "--prompts", Self.fixture, "--index", "3", "--task", task, "--mode",
            "patched",
            "--out", out
        ] + extra
    }

    func testTaskVectorsOfAnotherModelAreRefusedByPatchedInference() throws {
        let out = Self.path("r-other.h5")
        try assertRefused(
            patchedInfer(["--taskvectors", Self.path("other-tv.h5")], out: out), out: out,
            message: "other-tv.h5 (model ", "was made with another model")
    }

    func testActivationsOfAnotherModelAreRefusedByPatchedInferenceAndTaskVectorsMake() throws {
        let out = Self.path("r-other-a.h5")
        try assertRefused(
            patchedInfer(["--activations", Self.path("other-a.h5"), "--patch-variables", "1,2"], out: out),
            out: out, message: "was made with another model")
        let tv = Self.path("tv-other-a.h5")
        try assertRefused(
            [
                "taskvectors", "make", "--model", Self.fixture, "--activations", Self.path("other-a.h5"),
                "--task", "segmentation", "--variables", "1", "--out", tv
            ], out: tv, message: "was made with another model")
    }

    func testAnActivationsFileWithoutTheTaskIsRefused() throws {
        let out = Self.path("r-missing.h5")
        try assertRefused(
            patchedInfer(
                ["--activations", Self.path("a.h5"), "--patch-variables", "1,2"], task: "colorization",
                out: out),
            out: out, message: "has no task 'colorization' (it has: inpaint, segmentation)")
        let tv = Self.path("tv-missing.h5")
        try assertRefused(
            [
                "taskvectors", "make", "--model", Self.fixture, "--activations", Self.path("a.h5"),
                "--task", "identity", "--variables", "1", "--out", tv
            ], out: tv, message: "has no task 'identity'")
        let scores = Self.path("s-missing.h5")
        try assertRefused(
            ["score", "--activations", Self.path("a.h5"), "--tasks", "segmentation,identity", "--out", scores],
            out: scores, message: "has no task 'identity'")
    }

    func testTaskVectorsOfAnotherGranularityThanAskedForAreRefused() throws {
        let out = Self.path("r-granularity.h5")
        try assertRefused(
            patchedInfer(["--taskvectors", Self.path("tv.h5"), "--granularity", "2"], out: out), out: out,
            message: "tv.h5 is for granularity 1, but granularity 2 was asked for")
    }

    func testScoresOfAnotherGranularityOrModelAreRefusedByTopK() throws {
        let tv = Self.path("tv-top.h5")
        try assertRefused(
            [
                "taskvectors", "make", "--model", Self.fixture, "--activations", Self.path("a.h5"), "--task",
                "segmentation", "--granularity", "0", "--top-k", "3", "--scores", Self.path("s1.h5"), "--out", tv
            ],
            out: tv, message: "s1.h5 is for granularity 1, but granularity 0 was asked for")
        try assertRefused(
            [
                "taskvectors", "make", "--model", Self.fixture, "--activations", Self.path("a.h5"), "--task",
                "segmentation", "--granularity", "0", "--top-k", "3", "--scores", Self.path("other-s0.h5"), "--out", tv
            ],
            out: tv, message: "was made with another model")
    }

    func testMergingActivationsOfDifferentModelsIsRefused() throws {
        let out = Self.path("merged.h5")
        try assertRefused(
            ["activations", "merge", Self.path("a.h5"), Self.path("other-a.h5"), "--out", out], out: out,
            message: "other-a.h5 (model ")
    }

    func testMergingAFileWithItselfIsRefusedBecausePromptsWouldCountTwice() throws {
        let out = Self.path("twice.h5")
        try assertRefused(
            ["activations", "merge", Self.path("a.h5"), Self.path("a.h5"), "--out", out], out: out,
            message: "merging would count them twice")
    }

    func testScoringOneTaskIsRefusedBecauseTasknessComparesTasks() throws {
        let out = Self.path("s-one.h5")
        try assertRefused(
            ["score", "--activations", Self.path("a.h5"), "--tasks", "segmentation", "--out", out], out: out,
            message: "give at least two")
    }

    func testPatchVariablesOutsideTheGranularityAreAUsageError() throws {
        let out = Self.path("r-range.h5")
        let r = try runCommand(
            TestPaths.vtv,
            patchedInfer(
                [
                    "--activations", Self.path("a.h5"), "--granularity", "0",
                    "--patch-variables", "3,20"
                ], out: out))
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.stderr.contains("variable 20 is outside 0..<20"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }
}
