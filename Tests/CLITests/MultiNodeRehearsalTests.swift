import Foundation
import Storage
import TestSupport
import XCTest

/// The pipeline on a rehearsed cluster (`cluster/rehearsal.sh`): three nodes on this machine, each
/// with its own network namespace, hostname, /tmp and /dev/shm, ranks started by `mpirun
/// --hostfile` through a launch agent that enters the node with a clean environment, MPI over TCP
/// between the nodes. Every result is compared with one rank on the host.
/// Model and prompts: the official-small fixture (5 prompts: 0-2 role collect, 3-4 role eval).
final class MultiNodeRehearsalTests: XCTestCase {
    static var cluster: Rehearsal?
    static var problem: Error?
    static var directory: URL!

    var cluster: Rehearsal { get throws { if let c = Self.cluster { return c }; throw Self.problem! } }

    /// Inputs in the cluster's shared folder: the fixture (model and prompts), the collection that
    /// the search patches from, and the one-rank search every cluster search must equal.
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("rehearsal")
        do {
            let cluster = try Rehearsal(nodes: 3)
            Self.cluster = cluster
            try FileManager.default.copyItem(atPath: TestPaths.fixtureH5, toPath: cluster.path("fixture.h5"))
            let collect = try runCommand(
                cluster.vtv,
                [
                    "collect", "--model", cluster.path("fixture.h5"), "--prompts",
                    cluster.path("fixture.h5"), "--role", "collect",
                    "--tasks", "segmentation,colorization", "--out", cluster.path("a.h5")
                ],
                environment: ["VTV_QUIET": "1", "OPENBLAS_NUM_THREADS": "1"])
            precondition(collect.status == 0, collect.output)
        } catch {
            problem = error
        }
    }

    override class func tearDown() {
        cluster?.tearDown()
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    /// A short search with a fixed batch: 24 masks in 6 chunks of 4, so 6 ranks all get work.
    func searchArguments(_ c: Rehearsal, _ name: String, iterations: Int = 12) -> [String] {
        [
            "search", "--model", c.path("fixture.h5"), "--activations", c.path("a.h5"), "--prompts",
            c.path("fixture.h5"),
            "--task", "segmentation", "--train-prompts", "3", "--eval-prompts", "2", "--iterations", String(iterations),
            "--samples", "24", "--eval-every", "4", "--checkpoint-every", "4", "--reward", "tokens", "--mask-seed", "5",
            "--batch", "4", "--out", c.path(name)
        ]
    }

    /// The generic OpenBLAS kernels, whose sums depend on a row's place in a batch: the strictest
    /// test of rank-count invariance (SearchCommandTests says why).
    let exact = ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1", "OPENBLAS_NUM_THREADS": "1"]
    /// One BLAS thread, as every rank has: several would split a batch between them.
    let quiet = ["VTV_QUIET": "1", "OPENBLAS_NUM_THREADS": "1"]

    func read(_ path: String, _ dataset: String) throws -> [Double] {
        try HDF5File.open(path).root.readConverting(dataset, as: Double.self).values
    }

    /// Collections agree up to float64 rounding (means combined from all-reduced sums).
    func assertSameStatistics(
        _ a: String, _ b: String, _ datasets: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        for dataset in datasets {
            let x = try read(a, dataset), y = try read(b, dataset)
            XCTAssertEqual(x.count, y.count, dataset, file: file, line: line)
            let scale = y.map(abs).max()!
            XCTAssertLessThanOrEqual(
                zip(x, y).map { abs($0 - $1) }.max()!, 1e-12 * scale, dataset, file: file, line: line)
        }
    }

    func testEveryRankRunsOnItsOwnNodeAndAllCollectivesAgree() throws {
        let c = try cluster
        let r = try c.mpirun(ranks: 6, perNode: 2, ["doctor", "--check-mpi"])
        XCTAssertEqual(r.status, 0, r.output)
        for node in ["node1", "node2", "node3"] {
            XCTAssertEqual(
                r.stdout.components(separatedBy: " on \(node) ").count - 1, 2, "two ranks on \(node): \(r.stdout)")
        }
        XCTAssertTrue(r.stdout.contains("every collective agreed on 6 rank(s)"), r.output)
    }

    func testCollectAcrossThreeNodesEqualsOneRank() throws {
        let c = try cluster
        let nodes = try c.mpirun(
            ranks: 3, perNode: 1,
            [
                "collect", "--model", c.path("fixture.h5"), "--prompts", c.path("fixture.h5"),
                "--tasks", "segmentation,inpaint", "--out", c.path("nodes.h5")
            ])
        XCTAssertEqual(nodes.status, 0, nodes.output)
        let one = try runCommand(
            c.vtv,
            [
                "collect", "--model", c.path("fixture.h5"), "--prompts", c.path("fixture.h5"),
                "--tasks", "segmentation,inpaint", "--out", c.path("one.h5")
            ], environment: quiet)
        XCTAssertEqual(one.status, 0, one.output)
        try assertSameStatistics(
            c.path("nodes.h5"), c.path("one.h5"), ["tasks/segmentation/encoder_mean", "tasks/inpaint/decoder_var"])
    }

    /// Two collections made on two nodes, each into its own node-private /tmp, carried to the shared
    /// folder and merged, equal one collection over all prompts.
    func testCollectionsMadeOnTwoNodesMergeIntoTheCollectionOfAllPrompts() throws {
        let c = try cluster
        for (node, role) in [("node2", "collect"), ("node3", "eval")] {
            let r = try c.on(
                node,
                [
                    c.vtv, "collect", "--model", c.path("fixture.h5"), "--prompts", c.path("fixture.h5"),
                    "--role", role, "--tasks", "segmentation", "--out", "/tmp/part.h5"
                ])
            XCTAssertEqual(r.status, 0, r.output)
            let copy = try c.on(node, ["cp", "/tmp/part.h5", c.path("part-\(role).h5")])
            XCTAssertEqual(copy.status, 0, copy.output)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/tmp/part.h5"), "a node's /tmp is its own")
        let merge = try runCommand(
            c.vtv,
            [
                "activations", "merge", c.path("part-collect.h5"), c.path("part-eval.h5"),
                "--out", c.path("merged.h5")
            ])
        XCTAssertEqual(merge.status, 0, merge.output)
        let whole = try runCommand(
            c.vtv,
            [
                "collect", "--model", c.path("fixture.h5"), "--prompts", c.path("fixture.h5"),
                "--tasks", "segmentation", "--out", c.path("whole.h5")
            ], environment: quiet)
        XCTAssertEqual(whole.status, 0, whole.output)
        try assertSameStatistics(
            c.path("merged.h5"), c.path("whole.h5"),
            ["tasks/segmentation/encoder_mean", "tasks/segmentation/decoder_var"])
    }

    func testSearchOnThreeNodesOfTwoRanksIsBitIdenticalToOneRank() throws {
        let c = try cluster
        let one = try runCommand(c.vtv, searchArguments(c, "one.h5"), environment: exact)
        XCTAssertEqual(one.status, 0, one.output)
        let nodes = try c.mpirun(ranks: 6, perNode: 2, searchArguments(c, "nodes.h5"), environment: exact)
        XCTAssertEqual(nodes.status, 0, nodes.output)
        XCTAssertEqual(
            try read(c.path("nodes.checkpoint.h5"), "policy_logits"),
            try read(c.path("one.checkpoint.h5"), "policy_logits"))
        XCTAssertEqual(try read(c.path("nodes.h5"), "probabilities"), try read(c.path("one.h5"), "probabilities"))
    }

    /// One copy of the derived weights per node (each node's first rank builds it in a shared
    /// window its other rank maps) against a private copy per rank: the pixel reward, so every sample
    /// uses the MAE's packed panels and the VQGAN decoder's Winograd filters from the shared block.
    func testSharedAndPrivateWeightsOnThreeNodesOfTwoRanksAreBitIdentical() throws {
        let c = try cluster
        func arguments(_ name: String) -> [String] {
            [
                "search", "--model", c.path("fixture.h5"), "--activations", c.path("a.h5"), "--prompts",
                c.path("fixture.h5"),
                "--task", "segmentation", "--train-prompts", "3", "--eval-prompts", "2", "--iterations", "1",
                "--samples", "6", "--eval-every", "1", "--reward", "pixel", "--mask-seed", "3", "--batch", "1",
                "--out", c.path(name)
            ]
        }
        let shared = try c.mpirun(ranks: 6, perNode: 2, arguments("shared.h5"), environment: exact)
        XCTAssertEqual(shared.status, 0, shared.output)
        let own = try c.mpirun(
            ranks: 6, perNode: 2, arguments("private.h5"),
            environment: exact.merging(["VTV_PRIVATE_WEIGHTS": "1"]) { $1 })
        XCTAssertEqual(own.status, 0, own.output)
        for dataset in ["probabilities", "policy_logits"] {
            XCTAssertEqual(
                try read(c.path("shared.h5"), dataset).map(\.bitPattern),
                try read(c.path("private.h5"), dataset).map(\.bitPattern), dataset)
        }
        let bench = ["bench", "search", "--config", "tiny", "--iterations", "1", "--samples", "6", "--batch", "1"]
        let perNode = try c.mpirun(ranks: 6, perNode: 2, bench, environment: quiet)
        XCTAssertEqual(perNode.status, 0, perNode.output)
        XCTAssertTrue(perNode.output.contains("one copy of the weights per node"), perNode.output)
        let perRank = try c.mpirun(
            ranks: 6, perNode: 2, bench, environment: quiet.merging(["VTV_PRIVATE_WEIGHTS": "1"]) { $1 })
        XCTAssertEqual(perRank.status, 0, perRank.output)
        XCTAssertTrue(perRank.output.contains("one copy of the weights per rank"), perRank.output)
    }

    func testEvalAcrossNodesEqualsOneRank() throws {
        let c = try cluster
        let arguments = [
            "eval", "--model", c.path("fixture.h5"), "--prompts", c.path("fixture.h5"), "--tasks",
            "segmentation,inpaint",
            "--grid", "2"
        ]
        let nodes = try c.mpirun(ranks: 3, perNode: 1, arguments + ["--out", c.path("eval-nodes")], environment: quiet)
        XCTAssertEqual(nodes.status, 0, nodes.output)
        let one = try runCommand(c.vtv, arguments + ["--out", c.path("eval-one")], environment: quiet)
        XCTAssertEqual(one.status, 0, one.output)
        func metrics(_ folder: String) throws -> [String: [Double]] {
            let report = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: c.path(folder) + "/report.json")))
            var found: [String: [Double]] = [:]
            for task in (report as! [String: Any])["tasks"] as! [[String: Any]] {
                for (mode, result) in task["modes"] as! [String: Any] {
                    found["\(task["task"]!) \(mode)"] = (result as! [String: Any])["per_prompt"] as? [Double]
                }
            }
            return found
        }
        let a = try metrics("eval-nodes"), b = try metrics("eval-one")
        XCTAssertEqual(a.count, 4)
        XCTAssertEqual(a, b)
        XCTAssertEqual(
            FileManager.default.contents(atPath: c.path("eval-nodes/grid.png")),
            FileManager.default.contents(atPath: c.path("eval-one/grid.png")))
    }

    /// Rank 5 (node3) dies by SIGKILL after iteration 7 (checkpoint at 4); the whole job ends, and
    /// the run resumed on two nodes of one rank each ends where one uninterrupted rank does.
    func testARankKilledOnOneNodeEndsTheJobAndResumesOnAnotherNodeCount() throws {
        let c = try cluster
        let reference = try runCommand(c.vtv, searchArguments(c, "uninterrupted.h5"), environment: exact)
        XCTAssertEqual(reference.status, 0, reference.output)
        var environment = exact
        environment["VTV_FAULT_KILL"] = "5:7"
        // The killed rank writes the time of its death here (shared by every node), so the job's end
        // is timed from the kill, not from a start-up that a loaded machine can stretch.
        environment["VTV_FAULT_KILL_STAMP"] = c.path("killed-at.txt")
        let killed = try c.mpirun(ranks: 6, perNode: 2, searchArguments(c, "killed.h5"), environment: environment)
        let ended = Date().timeIntervalSince1970
        XCTAssertNotEqual(killed.status, 0, "the job must fail when a rank is killed")
        let stamp = try String(contentsOfFile: c.path("killed-at.txt"), encoding: .utf8)
        let killedAt = try XCTUnwrap(Double(stamp), "the killed rank's time of death: '\(stamp)'")
        XCTAssertLessThan(ended - killedAt, 30, "the job must end within 30 s of the kill")
        XCTAssertFalse(FileManager.default.fileExists(atPath: c.path("killed.h5")))
        XCTAssertEqual(try HDF5File.open(c.path("killed.checkpoint.h5")).root.attribute("iteration"), .int(4))
        let resumed = try c.mpirun(
            ranks: 2, perNode: 1, searchArguments(c, "killed.h5") + ["--resume"], environment: exact)
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertEqual(
            try read(c.path("killed.checkpoint.h5"), "policy_logits"),
            try read(c.path("uninterrupted.checkpoint.h5"), "policy_logits"))
        XCTAssertEqual(
            try read(c.path("killed.h5"), "probabilities"), try read(c.path("uninterrupted.h5"), "probabilities"))
    }
}
