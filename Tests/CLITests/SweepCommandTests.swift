import Foundation
import Storage
import TestSupport
import XCTest

/// `vtv sweep` under real mpirun: every search of a sweep writes bit for bit what `vtv search`
/// writes for it alone (policy logits in the checkpoint, probabilities in the task vectors), with
/// as many ranks as searches, with fewer, and after a signal or a killed rank and `--resume`.
/// Model and prompts: the official-small fixture (the published code's small model); the reference
/// searches are run once, alone, on one rank.
final class SweepCommandTests: XCTestCase {
    static var directory: URL!
    static var model: String { directory.appendingPathComponent("model.h5").path }
    static var activations: String { directory.appendingPathComponent("activations.h5").path }
    static let seeds = [11, 12, 13]

    /// Tiny searches: prompts 0-2 train, 3-4 held out, 8 iterations of 12 masks in batches of 4
    /// (a fixed batch: the same files on any number of ranks), checkpoints every 2 iterations.
    static let shared = [
        "--train-prompts", "3", "--eval-prompts", "2", "--iterations", "8", "--samples", "12",
        "--eval-every", "4", "--checkpoint-every", "2", "--batch", "4"
    ]

    static var inputs: [String] {
        ["--model", model, "--activations", activations, "--prompts", TestPaths.fixtureH5] + shared
    }

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("sweep")
        FixtureSearchInputs.make(in: directory, tasks: "segmentation")
        for seed in seeds {
            let alone = try! runCommand(
                TestPaths.vtv,
                ["search"] + inputs + [
                    "--task", "segmentation", "--reward", "tokens",
                    "--mask-seed", String(seed), "--out", reference(seed)
                ],
                environment: ["VTV_QUIET": "1"])
            precondition(alone.status == 0, alone.output)
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    static func reference(_ seed: Int) -> String { directory.appendingPathComponent("alone-\(seed).h5").path }
    func folder(_ name: String) -> String { Self.directory.appendingPathComponent(name).path }

    func sweepArguments(_ name: String, seeds: [Int] = SweepCommandTests.seeds, reward: String = "tokens") -> [String] {
        ["sweep"] + Self.inputs + [
            "--task", "segmentation", "--reward", reward,
            "--mask-seed", seeds.map(String.init).joined(separator: ","), "--out", folder(name)
        ]
    }

    /// The policy logits of a search's checkpoint and the probabilities of its task vectors.
    func results(_ path: String) throws -> (logits: [Double], probabilities: [Double]) {
        let checkpoint = path.replacingOccurrences(of: ".h5", with: ".checkpoint.h5")
        return (
            try HDF5File.open(checkpoint).root.read("policy_logits", as: Double.self).values,
            try HDF5File.open(path).root.read("probabilities", as: Double.self).values
        )
    }

    func assertEachRunEqualsItsSearchAlone(_ name: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for seed in Self.seeds {
            let swept = try results(folder(name) + "/segmentation-seed\(seed)-g1-tokens.h5")
            let alone = try results(Self.reference(seed))
            XCTAssertEqual(swept.logits, alone.logits, "seed \(seed): policy logits", file: file, line: line)
            XCTAssertEqual(
                swept.probabilities, alone.probabilities, "seed \(seed): probabilities", file: file, line: line)
        }
    }

    func summary(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: folder(name) + "/sweep.json"))
        return (try JSONSerialization.jsonObject(with: data) as! [String: Any])["runs"] as! [[String: Any]]
    }

    func testThreeSearchesOnThreeRanksWriteWhatEachWritesAlone() throws {
        let r = try runMPI(ranks: 3, TestPaths.vtv, sweepArguments("three"), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("group 2, ranks 2...2: segmentation-seed13-g1-tokens"), r.output)
        try assertEachRunEqualsItsSearchAlone("three")
        let runs = try summary("three")
        XCTAssertEqual(runs.map { $0["status"] as? String }, ["finished", "finished", "finished"])
        XCTAssertEqual(runs.map { $0["ranks"] as? Int }, [1, 1, 1])
        XCTAssertTrue(FileManager.default.fileExists(atPath: folder("three") + "/sweep.md"))
    }

    /// `--final sample` reaches every run of a sweep, each sample keyed by the run's own mask seed
    /// (recorded in its file), and the policies are those of the searches alone.
    func testEveryRunTakesItsFinalSampleUnderItsOwnMaskSeed() throws {
        let r = try runCommand(
            TestPaths.vtv, sweepArguments("sampled", seeds: [11, 12]) + ["--final", "sample"],
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        for seed in [11, 12] {
            let path = folder("sampled") + "/segmentation-seed\(seed)-g1-tokens.h5"
            let root = try HDF5File.open(path).root
            XCTAssertEqual(try root.attribute("final_selection"), .string("sample"), "seed \(seed)")
            XCTAssertEqual(try root.attribute("final_seed"), .int(seed))
            XCTAssertEqual(try results(path).logits, try results(Self.reference(seed)).logits, "seed \(seed)")
        }
    }

    /// `--seed` seeded generated prompts before; a sweep refuses it with the new spelling.
    func testTheRetiredSeedOptionIsAUsageError() throws {
        let r = try runCommand(TestPaths.vtv, sweepArguments("retired") + ["--seed", "1"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.stderr.contains("--seed was renamed --prompt-seed"), r.output)
    }

    /// Three searches on two ranks: rank 0 runs two of them one after the other.
    func testMoreSearchesThanRanksRunOneAfterAnother() throws {
        let r = try runMPI(ranks: 2, TestPaths.vtv, sweepArguments("fewer"))
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(
            r.stdout.contains("group 0, ranks 0...0: segmentation-seed11-g1-tokens, segmentation-seed13-g1-tokens"),
            r.output)
        XCTAssertFalse(r.stderr.contains("search ["), "the searches' own progress bars stay silent: \(r.stderr)")
        XCTAssertTrue(r.stderr.contains("sweep ["), "world rank 0 prints the sweep's line: \(r.stderr)")
        try assertEachRunEqualsItsSearchAlone("fewer")
    }

    /// A pixel-reward search costs about 6 token-reward ones: of 3 ranks it gets 2.
    func testGroupsAreSizedByTheSearchesCosts() throws {
        var arguments = sweepArguments("costs", seeds: [11], reward: "tokens,pixel")
        arguments[arguments.firstIndex(of: "--iterations")! + 1] = "1"
        let r = try runMPI(ranks: 3, TestPaths.vtv, arguments, environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("group 0, ranks 0...0: segmentation-seed11-g1-tokens"), r.output)
        XCTAssertTrue(r.stdout.contains("group 1, ranks 1...2: segmentation-seed11-g1-pixel"), r.output)
    }

    /// SIGTERM after 3 iterations: the running searches checkpoint, the one waiting never starts;
    /// --resume finishes all three as if nothing had happened.
    func testASweepStoppedBySIGTERMResumesToTheSameResults() throws {
        let stopped = try runMPI(
            ranks: 2, TestPaths.vtv, sweepArguments("stopped"),
            environment: ["VTV_QUIET": "1", "VTV_FAULT_SIGNAL": "3"])
        XCTAssertEqual(stopped.status, 130, stopped.output)
        XCTAssertEqual(try summary("stopped").map { $0["status"] as? String }, ["stopped", "stopped", "stopped"])
        let resumed = try runMPI(
            ranks: 2, TestPaths.vtv, sweepArguments("stopped") + ["--resume"], environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        try assertEachRunEqualsItsSearchAlone("stopped")
    }

    /// Rank 1 killed by SIGKILL after 5 iterations of its search ends the job; --resume (on another
    /// number of ranks) skips whatever finished and continues the rest from their checkpoints.
    func testASweepKilledOnOneRankResumesToTheSameResults() throws {
        let killed = try runMPI(
            ranks: 3, TestPaths.vtv, sweepArguments("killed"),
            environment: ["VTV_QUIET": "1", "VTV_FAULT_KILL": "1:5"])
        XCTAssertNotEqual(killed.status, 0, "the job must fail when a rank is killed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder("killed") + "/segmentation-seed12-g1-tokens.h5"))
        let resumed = try runMPI(
            ranks: 2, TestPaths.vtv, sweepArguments("killed") + ["--resume"], environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        try assertEachRunEqualsItsSearchAlone("killed")
        let statuses = try summary("killed").map { $0["status"] as? String }
        XCTAssertEqual(statuses[1], "finished", "the killed search ran again")
    }

    func testFinishedSearchesAreSkippedOnResume() throws {
        let first = try runMPI(
            ranks: 2, TestPaths.vtv, sweepArguments("done", seeds: [11]), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(first.status, 0, first.output)
        let again = try runMPI(
            ranks: 2, TestPaths.vtv, sweepArguments("done", seeds: [11]) + ["--resume"],
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertTrue(again.stdout.contains("0 finished, 1 finished before"), again.output)
        XCTAssertEqual(try summary("done").first?["status"] as? String, "skipped")
    }
}
