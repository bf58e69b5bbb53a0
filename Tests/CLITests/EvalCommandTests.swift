import Foundation
import Search
import Storage
import TestSupport
import XCTest

/// `vtv eval` on the fixture model and its evaluation prompts (3 and 4), run as the built binary.
/// The reference values are the published implementation's, recorded in fixture.h5 as the
/// attributes `one_shot_metric`, `zero_shot_metric` and `patched_metric` of `/prompts/<i>/<task>`.
final class EvalCommandTests: XCTestCase {
    static var directory: URL!
    static let fixture = TestPaths.fixtureH5
    static let tasks = ["segmentation", "inpaint"]

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func vtv(_ arguments: [String], ranks: Int = 1) throws -> CommandResult {
        let quiet = ["VTV_QUIET": "1"]
        return ranks == 1
            ? try runCommand(TestPaths.vtv, arguments, environment: quiet)
            : try runMPI(ranks: ranks, TestPaths.vtv, arguments, environment: quiet)
    }

    /// The eval command on prompts 3-4 with task vectors `vectors`, writing to folder `out`.
    static func evalArguments(out: String, vectors: [String], tasks: [String] = tasks) -> [String] {
        [
            "eval", "--model", fixture, "--prompts", fixture, "--role", "eval", "--tasks", tasks.joined(separator: ","),
            "--taskvectors", vectors.joined(separator: ","), "--grid", "2", "--out", out
        ]
    }

    /// Made once: the fixture model's means over the collect prompts 0-2, the task vectors of the
    /// fixture's patch set (`/patch/granularity1_mask`) for each task, the same for a second model
    /// (`model init --config tiny`), and the reports of one and two ranks.
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("vtv-eval-cli")
        let file = try! HDF5File.open(fixture)
        let mask = try! file.root.read("patch/granularity1_mask", as: UInt8.self).values
        file.discard()
        let variables = mask.indices.filter { mask[$0] != 0 }.map(String.init).joined(separator: ",")
        var steps: [[String]] = [
            [
                "collect", "--model", fixture, "--prompts", fixture, "--role", "collect", "--tasks",
                tasks.joined(separator: ","),
                "--out", path("a.h5")
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
            ],
            ["score", "--activations", path("a.h5"), "--granularity", "1", "--out", path("s1.h5")]
        ]
        for task in tasks {
            steps.append([
                "taskvectors", "make", "--model", fixture, "--activations", path("a.h5"), "--task", task,
                "--variables", variables, "--out", path("tv-\(task).h5")
            ])
        }
        for step in steps {
            let r = try! vtv(step)
            precondition(r.status == 0, "setting up \(step): \(r.output)")
        }
        let vectors = tasks.map { path("tv-\($0).h5") }
        for (ranks, out) in [(1, "np1"), (2, "np2")] {
            let r = try! vtv(evalArguments(out: path(out), vectors: vectors), ranks: ranks)
            precondition(r.status == 0, "eval on \(ranks) rank(s): \(r.output)")
        }
        // Every task's vectors (and the same sets emptied) patched into segmentation's one-shot prompts.
        for task in tasks {
            var empty = try! TaskVectors(path: path("tv-\(task).h5"))
            (empty.variables, empty.targets, empty.vectors) = ([], [], [])
            try! empty.write(to: path("tv-empty-\(task).h5"))
        }
        for (ranks, out, files) in [
            (1, "into1", vectors), (2, "into2", vectors), (1, "into-empty", tasks.map { path("tv-empty-\($0).h5") })
        ] {
            let r = try! vtv(
                evalArguments(out: path(out), vectors: files) + ["--into-one-shot", "segmentation"],
                ranks: ranks)
            precondition(r.status == 0, "eval --into-one-shot on \(ranks) rank(s): \(r.output)")
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    private func report(_ folder: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path(folder) + "/report.json"))
        return try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    /// The per-prompt metrics of `mode` for `task` in a parsed report.
    private func perPrompt(_ report: [String: Any], task: String, mode: String) throws -> [Double] {
        let tasks = try XCTUnwrap(report["tasks"] as? [[String: Any]])
        let entry = try XCTUnwrap(tasks.first { $0["task"] as? String == task }, "no task \(task)")
        let modes = try XCTUnwrap(entry["modes"] as? [String: Any])
        let result = try XCTUnwrap(modes[mode] as? [String: Any], "no mode \(mode)")
        return try XCTUnwrap(result["per_prompt"] as? [Double])
    }

    private func recorded(_ attribute: String, task: String) throws -> [Double] {
        let file = try HDF5File.open(Self.fixture)
        defer { file.discard() }
        return try [3, 4].map { try XCTUnwrap(file.root.attribute(attribute, of: "prompts/\($0)/\(task)").doubleValue) }
    }

    private func assertClose(
        _ found: [Double], _ expected: [Double], _ what: String, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(found.count, expected.count, what, file: file, line: line)
        for (f, e) in zip(found, expected) {
            XCTAssertEqual(
                f, e, accuracy: 1e-3 * abs(e), "\(what): \(found) vs recorded \(expected)", file: file, line: line)
        }
    }

    func testOneShotAndZeroShotMetricsEqualThePublishedOnesRecordedInTheFixture() throws {
        let report = try report("np1")
        for task in Self.tasks {
            assertClose(
                try perPrompt(report, task: task, mode: "one_shot"), try recorded("one_shot_metric", task: task),
                "\(task) one-shot")
            assertClose(
                try perPrompt(report, task: task, mode: "zero_shot"), try recorded("zero_shot_metric", task: task),
                "\(task) zero-shot")
        }
    }

    func testTaskVectorMetricsEqualThePublishedPatchedOnes() throws {
        // The fixture patches its /patch set with the means over prompts 0-2, as tv-<task>.h5 does.
        let report = try report("np1")
        for task in Self.tasks {
            assertClose(
                try perPrompt(report, task: task, mode: "zero_shot_task_vectors"),
                try recorded("patched_metric", task: task), "\(task) patched")
        }
    }

    func testTwoRanksGiveTheSameMetricsAsOne() throws {
        let one = try report("np1"), two = try report("np2")
        for task in Self.tasks {
            for mode in ["one_shot", "zero_shot", "zero_shot_task_vectors"] {
                XCTAssertEqual(
                    try perPrompt(one, task: task, mode: mode), try perPrompt(two, task: task, mode: mode),
                    "\(task) \(mode)")
            }
        }
        XCTAssertEqual(two["ranks"] as? Int, 2)
        XCTAssertEqual((two["prompts"] as? [String: Any])?["indices"] as? [Int], [3, 4])
    }

    /// The rows of `one_shot_patched` by vectors' task, each with its three per-prompt lists.
    private func oneShotPatched(_ folder: String) throws -> [String: [String: [Double]]] {
        let rows = try XCTUnwrap(try report(folder)["one_shot_patched"] as? [[String: Any]])
        var byTask: [String: [String: [Double]]] = [:]
        for row in rows {
            XCTAssertEqual(row["prompt_task"] as? String, "segmentation")
            let task = try XCTUnwrap(row["vectors_task"] as? String)
            for key in ["patched_versus_prompt_task", "patched_versus_vectors_task", "plain_versus_vectors_task"] {
                let result = try XCTUnwrap(row[key] as? [String: Any])
                byTask[task, default: [:]][key] = try XCTUnwrap(result["per_prompt"] as? [Double])
            }
        }
        return byTask
    }

    func testVectorsPatchedIntoOneShotPromptsAreTheSameOnTwoRanksAsOnOne() throws {
        let one = try oneShotPatched("into1"), two = try oneShotPatched("into2")
        XCTAssertEqual(Set(one.keys), Set(Self.tasks))
        XCTAssertEqual(one, two)
        // Without --into-one-shot the report has no such rows.
        XCTAssertNil(try report("np1")["one_shot_patched"])
        // The inpaint vectors move segmentation's one-shot output: the test can fail.
        let inpaint = try XCTUnwrap(one["inpaint"])
        XCTAssertNotEqual(inpaint["patched_versus_vectors_task"], inpaint["plain_versus_vectors_task"])
        let markdown = try String(contentsOfFile: Self.path("into1") + "/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("## Task vectors patched into one-shot prompts"), markdown)
    }

    /// An empty set patched into one-shot prompts is the one-shot prompting itself, exactly: the
    /// patched scores equal the unpatched ones and the one-shot column.
    func testAnEmptySetPatchedIntoOneShotEqualsPlainOneShotExactly() throws {
        let rows = try oneShotPatched("into-empty")
        let oneShot = try perPrompt(try report("into-empty"), task: "segmentation", mode: "one_shot")
        for (task, row) in rows {
            XCTAssertEqual(row["patched_versus_prompt_task"], oneShot, task)
            XCTAssertEqual(row["patched_versus_vectors_task"], row["plain_versus_vectors_task"], task)
        }
        XCTAssertEqual(rows["segmentation"]?["plain_versus_vectors_task"], oneShot)
    }

    func testIntoOneShotNeedsVectorsAnEvaluatedTaskAndMatchingFiles() throws {
        let vectors = Self.tasks.map { Self.path("tv-\($0).h5") }
        var out = Self.path("into-refused-none")
        try assertRefused(
            [
                "eval", "--model", Self.fixture, "--prompts", Self.fixture, "--role", "eval", "--tasks", "segmentation",
                "--into-one-shot", "segmentation", "--out", out
            ], out: out, status: 2, message: "--into-one-shot patches task vectors")
        out = Self.path("into-refused-task")
        try assertRefused(
            Self.evalArguments(out: out, vectors: vectors) + ["--into-one-shot", "colorization"], out: out,
            status: 2, message: "--into-one-shot colorization is not among the evaluated tasks")
        out = Self.path("into-refused-name")
        try assertRefused(
            Self.evalArguments(out: out, vectors: vectors) + ["--into-one-shot", "nothing"], out: out,
            status: 2, message: "--into-one-shot: unknown task 'nothing'")
        out = Self.path("into-refused-granularity")
        try assertRefused(
            Self.evalArguments(out: out, vectors: vectors) + ["--into-one-shot", "segmentation", "--granularity", "2"],
            out: out, message: "is for granularity 1, but granularity 2 was asked for")
        out = Self.path("into-refused-model")
        try assertRefused(
            Self.evalArguments(out: out, vectors: [Self.path("other-tv.h5")], tasks: ["segmentation"])
                + ["--into-one-shot", "segmentation"], out: out, message: "was made with another model")
    }

    /// Task vectors of a sibling model (the same tiny configuration, another seed) are refused by
    /// default and accepted with --allow-other-model, the report naming both hashes; a file of
    /// another configuration is refused even with the flag.
    func testTaskVectorsOfASiblingModelNeedAllowOtherModelAndAnotherConfigurationIsAlwaysRefused() throws {
        let arguments = [
            "eval", "--model", Self.path("sibling.h5"), "--prompts", Self.fixture, "--role", "eval", "--tasks",
            "segmentation", "--taskvectors", Self.path("other-tv.h5"), "--grid", "0"
        ]
        var out = Self.path("sibling-refused")
        try assertRefused(arguments + ["--out", out], out: out, message: "was made with another model")
        out = Self.path("sibling")
        let r = try Self.vtv(arguments + ["--out", out, "--allow-other-model"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("were made with model"), r.stdout)
        let parsed = try report("sibling")
        let entry = try XCTUnwrap((parsed["tasks"] as? [[String: Any]])?.first)
        let vectors = try XCTUnwrap(entry["task_vectors"] as? [String: Any])
        let otherHash = try XCTUnwrap(vectors["other_model_hash"] as? String)
        let evaluatedHash = try XCTUnwrap((parsed["model"] as? [String: Any])?["hash"] as? String)
        XCTAssertNotEqual(otherHash, evaluatedHash)
        XCTAssertEqual(otherHash, try TaskVectors(path: Self.path("other-tv.h5")).modelHash)
        let markdown = try String(contentsOfFile: out + "/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("made with another model of the same configuration"), markdown)
        // The same model: no other hash is recorded.
        let own = try XCTUnwrap(
            (try report("np1")["tasks"] as? [[String: Any]])?.first?["task_vectors"] as? [String: Any])
        XCTAssertNil(own["other_model_hash"])

        out = Self.path("configuration-refused")
        try assertRefused(
            Self.evalArguments(out: out, vectors: [Self.path("other-tv.h5")], tasks: ["segmentation"])
                + ["--allow-other-model"], out: out, message: "a model of another configuration")
        out = Self.path("allow-top-k-refused")
        try assertRefused(
            [
                "eval", "--model", Self.fixture, "--prompts", Self.fixture, "--role", "eval", "--tasks", "segmentation",
                "--top-k", "3", "--activations", Self.path("a.h5"), "--allow-other-model", "--out", out
            ], out: out, status: 2, message: "--allow-other-model applies to --taskvectors")
    }

    func testTheReportHoldsIntervalsFLOPsAndATableAndTheGridIsAPNG() throws {
        let report = try report("np1")
        let tasks = try XCTUnwrap(report["tasks"] as? [[String: Any]])
        let segmentation = try XCTUnwrap((tasks[0]["modes"] as? [String: Any])?["one_shot"] as? [String: Any])
        let values = try perPrompt(report, task: "segmentation", mode: "one_shot")
        let summary = try XCTUnwrap(segmentation["summary"] as? [String: Any])
        // Two values a, b: sample std |a - b| / sqrt(2), half-width 1.96 * std / sqrt(2) = 0.98 |a - b|.
        XCTAssertEqual(
            try XCTUnwrap(summary["half_width"] as? Double), 0.98 * abs(values[0] - values[1]), accuracy: 1e-12)
        let flops = try XCTUnwrap(report["flops"] as? [String: Double])
        XCTAssertEqual(
            flops["reduction_versus_one_shot"]!, 1 - flops["zero_shot_task_vectors"]! / flops["one_shot"]!,
            accuracy: 1e-12)
        XCTAssertLessThan(flops["zero_shot"]!, flops["one_shot"]!)
        let decoding = try XCTUnwrap(flops["vqgan_decode"])
        XCTAssertEqual(
            flops["reduction_with_vqgan_versus_one_shot"]!,
            1 - (flops["zero_shot_task_vectors"]! + decoding) / (flops["one_shot"]! + decoding), accuracy: 1e-12)

        let markdown = try String(contentsOfFile: Self.path("np1") + "/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("| task | one-shot | zero-shot | zero-shot + TV |"), markdown)
        XCTAssertTrue(markdown.contains("| segmentation (mIoU, higher is better) |"), markdown)
        XCTAssertTrue(markdown.contains("1.96"), markdown)

        let png = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.path("np1") + "/grid.png")))
        XCTAssertEqual(Array(png.prefix(8)), [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
        let width = png[16..<20].reduce(0) { $0 << 8 | Int($1) }, height = png[20..<24].reduce(0) { $0 << 8 | Int($1) }
        // Five 111-pixel columns and four 111-pixel rows (2 prompts x 2 tasks), plus titles.
        XCTAssertGreaterThan(width, 5 * 111)
        XCTAssertGreaterThan(height, 4 * 111)
    }

    func testTopKFromAScoresFileEvaluatesTheKBestVariables() throws {
        let out = Self.path("topk")
        let r = try Self.vtv([
            "eval", "--model", Self.fixture, "--prompts", Self.fixture, "--role", "eval", "--tasks", "segmentation",
            "--top-k", "3", "--scores", Self.path("s1.h5"), "--activations", Self.path("a.h5"),
            "--grid", "0", "--out", out
        ])
        XCTAssertEqual(r.status, 0, r.output)
        let tasks = try XCTUnwrap(try report("topk")["tasks"] as? [[String: Any]])
        XCTAssertEqual((tasks[0]["task_vectors"] as? [String: Any])?["variables"] as? Int, 3)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/grid.png"))
    }

    /// Runs vtv and expects `status`, `message` on stderr and no report folder at `out`.
    private func assertRefused(
        _ arguments: [String], out: String, status: Int32 = 1, message: String,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let r = try Self.vtv(arguments)
        XCTAssertEqual(r.status, status, r.output, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), "expected '\(message)' in: \(r.stderr)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(out) was written", file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: Self.directory.path).filter {
            $0.contains(".tmp-")
        }
        XCTAssertEqual(leftovers, [], file: file, line: line)
    }

    func testTaskVectorsOfAnotherModelAreRefusedAndNothingIsWritten() throws {
        let out = Self.path("refused-model")
        try assertRefused(
            Self.evalArguments(out: out, vectors: [Self.path("other-tv.h5")], tasks: ["segmentation"]),
            out: out, message: "was made with another model")
    }

    func testATaskWithoutTaskVectorsIsRefusedAndNothingIsWritten() throws {
        let out = Self.path("refused-task")
        try assertRefused(
            Self.evalArguments(
                out: out, vectors: [Self.path("tv-segmentation.h5")],
                tasks: ["segmentation", "colorization"]),
            out: out, message: "has no task 'colorization'")
    }

    func testTaskVectorsForATaskNotEvaluatedAreRefused() throws {
        let out = Self.path("refused-extra")
        try assertRefused(
            Self.evalArguments(out: out, vectors: Self.tasks.map { Self.path("tv-\($0).h5") }, tasks: ["segmentation"]),
            out: out, message: "holds task vectors for 'inpaint', which is not among the evaluated tasks")
    }

    /// The report says how a search's policy became each task's variables: a file written with
    /// `--final sample` records the rule and seed; a search file from before the rule was recorded
    /// (a policy, no attribute) reads as the threshold; listed variables come from no policy.
    func testTheReportSaysHowTheFinalPatchSetWasTaken() throws {
        let sampled = Self.path("final-sampled.h5"), old = Self.path("final-old.h5")
        for (copy, task) in [(sampled, "segmentation"), (old, "inpaint")] {
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: Self.path("tv-\(task).h5"), toPath: copy)
            let file = try HDF5File.open(copy, writable: true)
            try file.root.write("probabilities", [Double](repeating: 0.3, count: 4), shape: [4])
            if copy == sampled {
                try file.root.setAttribute("final_selection", .string("sample"))
                try file.root.setAttribute("final_seed", .int(7))
            }
            try file.commit()
        }
        let r = try Self.vtv(Self.evalArguments(out: Self.path("final"), vectors: [sampled, old]))
        XCTAssertEqual(r.status, 0, r.output)
        let tasks = try XCTUnwrap(try report("final")["tasks"] as? [[String: Any]])
        func selection(_ task: String) -> [String: Any]? {
            let entry = tasks.first { $0["task"] as? String == task }
            return (entry?["task_vectors"] as? [String: Any])?["final_selection"] as? [String: Any]
        }
        XCTAssertEqual(selection("segmentation")?["rule"] as? String, "sample")
        XCTAssertEqual(selection("segmentation")?["seed"] as? Int, 7)
        XCTAssertEqual(selection("inpaint")?["rule"] as? String, "threshold")
        XCTAssertNil(selection("inpaint")?["seed"])
        let markdown = try String(contentsOfFile: Self.path("final") + "/report.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("final set: one Bernoulli sample (seed 7)"), markdown)
        XCTAssertTrue(markdown.contains("final set: threshold (p > 0.5)"), markdown)

        let listed = try XCTUnwrap(try report("np1")["tasks"] as? [[String: Any]])
        XCTAssertNil((listed[0]["task_vectors"] as? [String: Any])?["final_selection"], "listed variables have no rule")
    }

    /// `--seed` seeded generated prompts before and is refused with the new spelling.
    func testTheRetiredSeedOptionIsAUsageErrorNamingPromptSeed() throws {
        let out = Self.path("refused-seed")
        try assertRefused(
            Self.evalArguments(out: out, vectors: [Self.path("tv-segmentation.h5")], tasks: ["segmentation"])
                + ["--seed", "1"], out: out, status: 2, message: "--seed was renamed --prompt-seed")
    }

    func testFilesAndTopKTogetherAreAUsageError() throws {
        let out = Self.path("refused-both")
        try assertRefused(
            Self.evalArguments(out: out, vectors: [Self.path("tv-segmentation.h5")], tasks: ["segmentation"])
                + ["--top-k", "3"], out: out, status: 2, message: "give either --taskvectors or --top-k")
    }
}
