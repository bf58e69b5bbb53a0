import Foundation
import TestSupport
import XCTest

/// Option values are checked before any work: non-finite numbers, counts that mean nothing, sizes
/// that cannot fit in memory and resumes that would go backwards are usage errors (exit 2) naming the
/// option; a list of paths may hold a path with a comma, written `\,`.
/// Inputs: the tiny model (`vtv model init --config tiny`), four synthetic prompts of two tasks, their
/// activations and segmentation task vectors, made once.
final class OptionValidationTests: XCTestCase {
    static var directory: URL!
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static var model: String { path("model.h5") }
    static var prompts: String { path("prompts.h5") }
    static var activations: String { path("activations.h5") }
    static var vectors: String { path("tv.h5") }
    /// A JPEG of the fixture's VOC folder.
    static let image = TestPaths.officialSmall.appendingPathComponent(
        "voc/VOCdevkit/VOC2012/JPEGImages/2008_000004.jpg"
    ).path

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("vtv-options")
        let steps: [[String]] = [
            ["model", "init", "--config", "tiny", "--out", model],
            [
                "prompts", "export", "--source", "synthetic:0", "--role", "train", "--count", "4",
                "--tasks", "segmentation,colorization", "--out", prompts
            ],
            [
                "collect", "--model", model, "--prompts", prompts, "--tasks", "segmentation,colorization", "--out",
                activations
            ],
            [
                "taskvectors", "make", "--model", model, "--activations", activations, "--task", "segmentation",
                "--variables", "0,3", "--out", vectors
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

    func vtv(_ arguments: [String]) throws -> CommandResult {
        try runCommand(TestPaths.vtv, arguments, environment: ["VTV_QUIET": "1"])
    }

    /// A search of two iterations of four masks on prompts 0-1, held out 2-3, with the token reward:
    /// a second or two on the tiny model.
    func search(_ out: String, _ extra: [String] = []) throws -> CommandResult {
        try vtv(
            [
                "search", "--model", Self.model, "--activations", Self.activations, "--prompts", Self.prompts,
                "--task", "segmentation", "--reward", "tokens", "--train-prompts", "2", "--eval-prompts", "2",
                "--iterations", "2", "--samples", "4", "--out", Self.path(out)
            ] + extra)
    }

    func assertUsageError(
        _ r: CommandResult, mentioning words: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(r.status, 2, r.output, file: file, line: line)
        for word in words {
            XCTAssertTrue(r.stderr.contains(word), "'\(word)' missing from: \(r.stderr)", file: file, line: line)
        }
    }

    func testNanAndInfinityAreRefusedForEveryNumberOptionOfSearch() throws {
        for option in ["--lr", "--init-logit", "--sparsity"] {
            for value in ["nan", "inf", "-inf", "1e400"] {
                let r = try search("nonfinite.h5", [option, value])
                assertUsageError(r, mentioning: ["\(option) expects a finite number, got '\(value)'"])
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("nonfinite.h5")))
    }

    func testZeroHeldOutPromptsAreRefusedRatherThanScoringOnTheTrainingPrompts() throws {
        assertUsageError(
            try search("no-held-out.h5", ["--eval-prompts", "0"]),
            mentioning: ["--eval-prompts must be at least 1, got 0"])
    }

    func testTrainingPromptsThatTakeEveryPromptAreRefusedForLeavingNoneHeldOut() throws {
        let r = try search("all-train.h5", ["--train-prompts", "4"])
        assertUsageError(r, mentioning: ["the prompts hold 4 prompt(s)", "held-out evaluation needs at least one more"])
    }

    func testANegativeSparsityPenaltyIsRefused() throws {
        assertUsageError(
            try search("negative.h5", ["--sparsity", "-0.5"]), mentioning: ["--sparsity must be at least 0, got -0.5"])
    }

    func testAnInitialLogitThatSaturatesThePolicyIsRefused() throws {
        assertUsageError(
            try search("saturated.h5", ["--init-logit", "1000"]), mentioning: ["--init-logit must be in -30...30"])
    }

    func testSamplesThatCannotFitInMemoryAreRefusedWithTheEstimateAndTheLimit() throws {
        let r = try search("huge.h5", ["--samples", "1000000000000"])
        assertUsageError(
            r,
            mentioning: [
                "--samples 1000000000000 needs about", "TiB of memory", "GiB of memory this machine has",
                "lower --samples"
            ])
    }

    func testIterationsWhoseHistoryCannotFitInMemoryAreRefused() throws {
        assertUsageError(
            try search("endless.h5", ["--iterations", String(Int.max)]),
            mentioning: ["--iterations \(Int.max) needs about", "lower --iterations"])
    }

    func testResumingWithFewerIterationsThanTheCheckpointHasRunIsRefused() throws {
        let first = try search("resumed.h5", ["--iterations", "4", "--checkpoint-every", "2"])
        XCTAssertEqual(first.status, 0, first.output)
        let r = try search("resumed.h5", ["--iterations", "2", "--resume"])
        assertUsageError(
            r, mentioning: ["has already run 4 iterations, more than --iterations 2", "--iterations 4 or more"])
    }

    func testPredictRefusesACanvasSizeBeyondTheLimitInsteadOfAborting() throws {
        let r = try vtv([
            "predict", "--model", Self.model, "--taskvectors", Self.vectors, "--image", Self.image,
            "--canvas-size", "100000", "--out", Self.path("big.png")
        ])
        assertUsageError(r, mentioning: ["--canvas-size must be in 8...4096, got 100000"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("big.png")))
    }

    func testPromptsExportRefusesACanvasSizeBeyondTheLimit() throws {
        let r = try vtv([
            "prompts", "export", "--source", "synthetic:0", "--role", "x", "--count", "1",
            "--canvas-size", "100000", "--out", Self.path("big-prompts.h5")
        ])
        assertUsageError(r, mentioning: ["--canvas-size must be in 8...4096, got 100000"])
    }

    func testASyntheticPromptCountBeyondWhatKeepsRolesDisjointIsRefused() throws {
        let r = try vtv([
            "prompts", "export", "--source", "synthetic:0", "--role", "x", "--count", "2000000000000",
            "--out", Self.path("many-prompts.h5")
        ])
        assertUsageError(r, mentioning: ["--count", "beyond it the roles of a synthetic source share scenes"])
    }

    func testABenchmarkBatchThatCannotFitInMemoryIsRefused() throws {
        let r = try vtv(["bench", "forward", "--config", "tiny", "--batch", "1,100000000", "--repeats", "1"])
        assertUsageError(r, mentioning: ["--batch 100000000 needs about", "lower --batch"])
    }

    func testANegativeBenchmarkSeedIsAUsageErrorNotACrash() throws {
        let r = try vtv(["bench", "forward", "--config", "tiny", "--batch", "1", "--repeats", "1", "--seed", "-1"])
        assertUsageError(r, mentioning: ["--seed must be at least 0, got -1"])
    }

    func testAThreadCountBeyondWhatOpenBLASTakesIsAUsageErrorNotACrash() throws {
        let r = try vtv(["bench", "vqgan", "--config", "small", "--repeats", "1", "--threads", "99999999999"])
        assertUsageError(r, mentioning: ["--threads must be in 1...1024, got 99999999999"])
    }

    func testANonFiniteProbeDurationIsRefused() throws {
        assertUsageError(
            try vtv(["doctor", "--probe-seconds", "nan"]), mentioning: ["--probe-seconds expects a finite number"])
    }

    func testTopKBeyondTheCandidatesIsRefusedRatherThanGivingFewerVariables() throws {
        let scores = Self.path("scores.h5")
        let scored = try vtv(["score", "--activations", Self.activations, "--out", scores, "--top", "0"])
        XCTAssertEqual(scored.status, 0, scored.output)
        let r = try vtv([
            "taskvectors", "make", "--model", Self.model, "--activations", Self.activations, "--task", "segmentation",
            "--top-k", "100000", "--scores", scores, "--out", Self.path("topk.h5")
        ])
        assertUsageError(r, mentioning: ["--top-k must be in 1...48, got 100000"])
    }

    func testATaskVectorsPathWithAnEscapedCommaIsOneFile() throws {
        let folder = Self.directory.appendingPathComponent("run,2")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let withComma = folder.appendingPathComponent("tv,segmentation.h5").path
        try? FileManager.default.removeItem(atPath: withComma)
        try FileManager.default.copyItem(atPath: Self.vectors, toPath: withComma)
        let escaped = withComma.replacingOccurrences(of: ",", with: "\\,")
        let r = try vtv([
            "eval", "--model", Self.model, "--prompts", Self.prompts, "--count", "1", "--grid", "0",
            "--taskvectors", escaped, "--out", Self.path("comma-report")
        ])
        XCTAssertEqual(r.status, 0, r.output)
        let report = try String(contentsOfFile: Self.path("comma-report/report.json"), encoding: .utf8)
        XCTAssertTrue(report.contains("tv,segmentation.h5"), report)
    }

    func testABackslashThatEscapesNothingInAPathListIsAUsageError() throws {
        let r = try vtv([
            "eval", "--model", Self.model, "--prompts", Self.prompts, "--count", "1",
            "--taskvectors", "a\\b.h5", "--out", Self.path("backslash-report")
        ])
        assertUsageError(r, mentioning: ["--taskvectors", "write a comma inside a path as \\,"])
    }
}
