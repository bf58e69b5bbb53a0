import Foundation
import Search
import Storage
import TestSupport
import XCTest

/// `vtv search --scores S.h5 --start-top K --start-logit X` under real mpirun, on the official-small
/// fixture: the K searched variables of highest taskness (read from the scores file itself) start at X,
/// the others at --init-logit; the start is in the report's settings, the origin and the resume key;
/// 1 and 2 ranks agree; mistakes are refused with what to do.
final class SearchStartCommandTests: XCTestCase {
    static var directory: URL!
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("search-start")
        FixtureSearchInputs.make(in: directory, tasks: "segmentation,colorization")
        for granularity in ["1", "0"] {
            let score = try! runCommand(
                TestPaths.vtv,
                [
                    "score", "--activations", path("activations.h5"), "--granularity", granularity, "--out",
                    path("scores-g\(granularity).h5")
                ])
            precondition(score.status == 0, score.output)
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    /// A short pixel-reward search of segmentation: prompts 0-2 train, 3-4 held out, 8 masks in batches of 4.
    func arguments(_ name: String, iterations: Int, _ extra: [String]) -> [String] {
        [
            "search", "--model", Self.path("model.h5"), "--activations", Self.path("activations.h5"), "--prompts",
            TestPaths.fixtureH5, "--task", "segmentation", "--train-prompts", "3", "--eval-prompts", "2",
            "--iterations", String(iterations), "--samples", "8", "--eval-every", "1", "--mask-seed", "3", "--batch",
            "4", "--lr", "0.1", "--out", Self.path(name)
        ] + extra
    }

    func report(_ name: String) throws -> [String: Any] {
        let json = Self.path(name).replacingOccurrences(of: ".h5", with: ".json")
        return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as! [String: Any]
    }

    func policy(_ name: String) throws -> [Double] {
        try HDF5File.open(Self.path(name).replacingOccurrences(of: ".h5", with: ".checkpoint.h5")).root
            .read("policy_logits", as: Double.self).values
    }

    /// The ranking as the scores file holds it, read with the HDF5 wrapper, not with `ScoresFile`.
    func ranking(_ name: String) throws -> [Int] {
        try HDF5File.open(Self.path(name)).root.read("ranking", as: Int32.self).values.map(Int.init)
    }

    func testTheTopVariablesStartAtTheStartLogit() throws {
        let start = ["--scores", Self.path("scores-g1.h5"), "--start-top", "5", "--start-logit", "2"]
        for ranks in [1, 2] {
            let r = try runMPI(
                ranks: ranks, TestPaths.vtv, arguments("start-\(ranks).h5", iterations: 1, start),
                environment: ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"])
            XCTAssertEqual(r.status, 0, r.output)
        }
        XCTAssertEqual(try policy("start-1.h5"), try policy("start-2.h5"))
        let top = Array(try ranking("scores-g1.h5").prefix(5)).sorted()
        let settings = try XCTUnwrap(try report("start-1.h5")["settings"] as? [String: Any])
        XCTAssertEqual(settings["startVariables"] as? [Int], top)
        XCTAssertEqual(settings["startLogit"] as? Double, 2)
        // One Adam step moves every logit by at most the learning rate (0.1).
        let logits = try policy("start-1.h5")
        XCTAssertEqual(logits.count, 48)
        for (v, logit) in logits.enumerated() {
            XCTAssertEqual(logit, top.contains(v) ? 2 : -1, accuracy: 0.1 + 1e-9, "variable \(v)")
        }
        guard case .string(let origin) = try HDF5File.open(Self.path("start-1.h5")).root.attribute("origin") else {
            return XCTFail("no origin")
        }
        XCTAssertTrue(origin.contains("5 highest-taskness variables start at logit 2.0"), origin)

        // With the encoder alone, the top 5 are the encoder's best: variables 0..<24 (the fixture's encoder has
        // 3 blocks x 4 heads x 2 token groups; its decoder 2 x 4 x 3, variables 24..<48).
        let encoder = try runCommand(
            TestPaths.vtv, arguments("start-encoder.h5", iterations: 1, start + ["--stacks", "encoder"]),
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(encoder.status, 0, encoder.output)
        let searched = try XCTUnwrap(
            (try report("start-encoder.h5")["settings"] as? [String: Any])?["startVariables"] as? [Int])
        XCTAssertEqual(searched, Array(try ranking("scores-g1.h5").filter { $0 < 24 }.prefix(5)).sorted())

        // A checkpoint started elsewhere is not resumed.
        let other = try runCommand(
            TestPaths.vtv,
            arguments(
                "start-1.h5", iterations: 2,
                ["--scores", Self.path("scores-g1.h5"), "--start-top", "6", "--start-logit", "2", "--resume"]))
        XCTAssertEqual(other.status, 1, other.output)
        XCTAssertTrue(other.stderr.contains("other settings"), other.output)
    }

    /// `vtv sweep` starts every run the same way: both tasks' searches start from the same top 4. With
    /// `--task-baseline colorization=prompt` colorization's search is the one `vtv search --baseline prompt`
    /// runs alone (the same policy), segmentation's keeps `--baseline`.
    func testASweepStartsEveryRunFromTheScores() throws {
        let out = Self.path("sweep")
        let r = try runMPI(
            ranks: 2, TestPaths.vtv,
            [
                "sweep", "--model", Self.path("model.h5"), "--activations", Self.path("activations.h5"), "--prompts",
                TestPaths.fixtureH5, "--task", "segmentation,colorization", "--train-prompts", "3", "--eval-prompts",
                "2", "--iterations", "1", "--samples", "6", "--eval-every", "1", "--batch", "4", "--scores",
                Self.path("scores-g1.h5"), "--start-top", "4", "--baseline", "leave-one-out", "--task-baseline",
                "colorization=prompt", "--out", out
            ], environment: ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        let alone = try runMPI(
            ranks: 1, TestPaths.vtv,
            [
                "search", "--model", Self.path("model.h5"), "--activations", Self.path("activations.h5"), "--prompts",
                TestPaths.fixtureH5, "--task", "colorization", "--train-prompts", "3", "--eval-prompts", "2",
                "--iterations", "1", "--samples", "6", "--eval-every", "1", "--batch", "4", "--scores",
                Self.path("scores-g1.h5"), "--start-top", "4", "--baseline", "prompt", "--lr", "0.1", "--out",
                Self.path("alone.h5")
            ], environment: ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"])
        XCTAssertEqual(alone.status, 0, alone.output)
        let swept = try HDF5File.open(out + "/colorization-seed0-g1-pixel.checkpoint.h5").root
            .read("policy_logits", as: Double.self).values
        XCTAssertEqual(swept, try policy("alone.h5"))
        let top = Array(try ranking("scores-g1.h5").prefix(4)).sorted()
        for task in ["segmentation", "colorization"] {
            let json = try Data(contentsOf: URL(fileURLWithPath: out + "/\(task)-seed0-g1-pixel.json"))
            let settings = try XCTUnwrap(
                (JSONSerialization.jsonObject(with: json) as? [String: Any])?["settings"] as? [String: Any])
            XCTAssertEqual(settings["startVariables"] as? [Int], top, task)
            XCTAssertEqual(settings["startLogit"] as? Double, 1, task)
            XCTAssertEqual(settings["baseline"] as? String, task == "colorization" ? "prompt" : "leave-one-out", task)
        }
        for (value, says) in [
            ("inpaint=prompt", "not among the searched tasks"), ("colorization=median", "--task-baseline must be"),
            ("colorization=prompt,colorization=batch", "twice")
        ] {
            let refused = try runCommand(
                TestPaths.vtv,
                [
                    "sweep", "--model", Self.path("model.h5"), "--activations", Self.path("activations.h5"),
                    "--prompts", TestPaths.fixtureH5, "--task", "segmentation,colorization", "--task-baseline", value,
                    "--out", Self.path("sweep-refused")
                ])
            XCTAssertEqual(refused.status, 2, "\(value): \(refused.output)")
            XCTAssertTrue(refused.stderr.contains(says), "\(value): \(refused.output)")
        }
    }

    func testMistakesAreRefusedWithWhatToDo() throws {
        let cases: [(options: [String], status: Int32, says: String)] = [
            (["--start-top", "3"], 2, "--start-top needs --scores"),
            (["--scores", Self.path("scores-g1.h5")], 2, "--scores is read only with --start-top"),
            (["--start-logit", "2"], 2, "--start-logit is read only with --start-top"),
            (["--scores", Self.path("scores-g1.h5"), "--start-top", "0"], 2, "--start-top"),
            (["--scores", Self.path("scores-g1.h5"), "--start-top", "3", "--start-logit", "31"], 2, "--start-logit"),
            (["--scores", Self.path("scores-g1.h5"), "--start-top", "49"], 1, "at most 48"),
            (["--scores", Self.path("scores-g0.h5"), "--start-top", "3"], 1, "granularity 0"),
            (["--scores", Self.path("missing.h5"), "--start-top", "3"], 1, "missing.h5")
        ]
        for (options, status, says) in cases {
            let r = try runCommand(TestPaths.vtv, arguments("refused.h5", iterations: 1, options))
            XCTAssertEqual(r.status, status, "\(options): \(r.output)")
            XCTAssertTrue(r.stderr.contains(says), "\(options): \(r.output)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("refused.h5")), "\(options)")
        }
    }
}
