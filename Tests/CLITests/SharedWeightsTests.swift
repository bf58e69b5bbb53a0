import Foundation
import Storage
import TestSupport
import XCTest

/// One copy of the model per node: under mpirun the ranks of a node share the weights their model
/// derives (built by the node's first rank in an MPI shared-memory window) unless
/// VTV_PRIVATE_WEIGHTS=1, and every result is bit-identical either way.
/// Model and prompts: the official-small fixture (an h5py file without a content hash, so the
/// builder computes it and the other ranks read it from the shared block).
final class SharedWeightsTests: XCTestCase {
    static var directory: URL!
    static let fixture = TestPaths.fixtureH5
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    static let privateCopies = ["VTV_PRIVATE_WEIGHTS": "1"]

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("shared-weights")
        let collect = try! runCommand(
            TestPaths.vtv,
            [
                "collect", "--model", fixture, "--prompts", fixture, "--role", "collect",
                "--tasks", "segmentation", "--out", path("a.h5")
            ],
            environment: ["VTV_QUIET": "1"])
        precondition(collect.status == 0, collect.output)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    func run(ranks: Int, _ arguments: [String], environment: [String: String] = [:]) throws -> CommandResult {
        let env = environment.merging(["VTV_QUIET": "1"]) { a, _ in a }
        return ranks == 1
            ? try runCommand(TestPaths.vtv, arguments, environment: env)
            : try runMPI(ranks: ranks, TestPaths.vtv, arguments, environment: env)
    }

    /// Pixel reward, so every sample runs the VQGAN decoder's Winograd filters as well as the MAE's packed panels.
    func searchArguments(_ name: String) -> [String] {
        [
            "search", "--model", Self.fixture, "--activations", Self.path("a.h5"), "--prompts", Self.fixture,
            "--task", "segmentation", "--train-prompts", "3", "--eval-prompts", "2", "--iterations", "3",
            "--samples", "8", "--eval-every", "2", "--reward", "pixel", "--batch", "2", "--out", Self.path(name)
        ]
    }

    func testASearchOnTwoRanksIsBitIdenticalWithSharedAndPrivateWeights() throws {
        for (name, environment) in [("shared.h5", [String: String]()), ("private.h5", Self.privateCopies)] {
            let r = try run(ranks: 2, searchArguments(name), environment: environment)
            XCTAssertEqual(r.status, 0, r.output)
        }
        func read(_ name: String, _ dataset: String) throws -> [UInt64] {
            try HDF5File.open(Self.path(name)).root.read(dataset, as: Double.self).values.map(\.bitPattern)
        }
        for dataset in ["probabilities", "policy_logits"] {
            XCTAssertEqual(try read("shared.h5", dataset), try read("private.h5", dataset), dataset)
        }
        let shared = try log("shared.json"), own = try log("private.json")
        XCTAssertEqual(shared.losses, own.losses)
        XCTAssertEqual(shared.best, own.best)
    }

    /// Every iteration's loss mean and spread, and the best held-out loss, from a search's JSON log.
    private func log(_ name: String) throws -> (losses: [[Double]], best: Double) {
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path(name)))
        let log = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let iterations = try XCTUnwrap(log["iterations"] as? [[String: Any]])
        let losses = try iterations.map {
            [try XCTUnwrap($0["lossMean"] as? Double), try XCTUnwrap($0["lossStd"] as? Double)]
        }
        return (losses, try XCTUnwrap(log["bestLoss"] as? Double))
    }

    func testAnEvaluationOnTwoRanksIsBitIdenticalWithSharedAndPrivateWeights() throws {
        var reports: [[String: Any]] = []
        for (out, environment) in [("eval-shared", [String: String]()), ("eval-private", Self.privateCopies)] {
            let r = try run(
                ranks: 2,
                [
                    "eval", "--model", Self.fixture, "--prompts", Self.fixture, "--role", "eval",
                    "--tasks", "segmentation,inpaint", "--grid", "0", "--out", Self.path(out)
                ],
                environment: environment)
            XCTAssertEqual(r.status, 0, r.output)
            let data = try Data(contentsOf: URL(fileURLWithPath: Self.path(out) + "/report.json"))
            reports.append(try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any]))
        }
        XCTAssertEqual(try metrics(reports[0]), try metrics(reports[1]))
        XCTAssertEqual(try metrics(reports[0]).count, 4, "two tasks x one-shot and zero-shot")
    }

    /// "task mode" -> per-prompt metrics, bit patterns.
    private func metrics(_ report: [String: Any]) throws -> [String: [UInt64]] {
        var found: [String: [UInt64]] = [:]
        for entry in try XCTUnwrap(report["tasks"] as? [[String: Any]]) {
            let task = try XCTUnwrap(entry["task"] as? String)
            for (mode, result) in try XCTUnwrap(entry["modes"] as? [String: Any]) {
                let perPrompt = try XCTUnwrap((result as? [String: Any])?["per_prompt"] as? [Double])
                found["\(task) \(mode)"] = perPrompt.map(\.bitPattern)
            }
        }
        return found
    }

    func testRanksShareOneCopyByDefaultAndTheVariableGivesEachItsOwn() throws {
        let arguments = ["bench", "search", "--config", "tiny", "--iterations", "1", "--samples", "2", "--batch", "1"]
        let cases: [(ranks: Int, environment: [String: String], expected: String)] = [
            (2, [:], "one copy of the weights per node"),
            (2, Self.privateCopies, "one copy of the weights per rank"),
            (2, ["VTV_PRIVATE_WEIGHTS": "0"], "one copy of the weights per node"),
            (1, [:], "one copy of the weights per rank")
        ]
        for c in cases {
            let r = try run(ranks: c.ranks, arguments, environment: c.environment)
            XCTAssertEqual(r.status, 0, r.output)
            XCTAssertTrue(r.output.contains(c.expected), "\(c.ranks) rank(s), \(c.environment): \(r.output)")
        }
    }

    /// Only the node's first rank reads the tensors; what it finds wrong still fails the whole job, named.
    func testAModelTheBuilderCannotReadFailsEveryRankWithItsReason() throws {
        let tiny = Self.path("tiny.h5"), broken = Self.path("broken.h5")
        let initialized = try run(ranks: 1, ["model", "init", "--config", "tiny", "--seed", "1", "--out", tiny])
        XCTAssertEqual(initialized.status, 0, initialized.output)
        try FileManager.default.copyItem(atPath: tiny, toPath: broken)
        let file = try HDF5File.open(broken, writable: true)
        try file.root.remove("weights/blocks.0.attn.proj.bias")
        try file.commit()
        let r = try run(
            ranks: 2, ["collect", "--model", broken, "--prompts", Self.fixture, "--out", Self.path("never.h5")])
        XCTAssertNotEqual(r.status, 0, r.output)
        XCTAssertTrue(r.output.contains("blocks.0.attn.proj.bias"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("never.h5")))
    }
}
