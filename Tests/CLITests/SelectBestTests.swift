import Foundation
import Storage
import TestSupport
import XCTest

/// `vtv collect --select-best N` as users run it (the built binary, real mpirun) on the embedded
/// vtv-small model: the published choice of each task's prompts (docs/formats.md, "Curated task
/// means"), stored with the task, the same on one and two ranks, and a mean that is exactly a plain
/// collection over the chosen prompts. The pool is 10 synthetic prompts exported to a file
/// (rendering synthetic scenes is the slow part of a debug build, so they are rendered once).
final class SelectBestTests: XCTestCase {
    static var directory: URL!
    static let model = TestPaths.productsDirectory.appendingPathComponent("vtv_Pipeline.resources/vtv-small.h5").path
    static let tasks = ["inpaint", "segmentation"]
    static let poolSize = 10, best = 4
    static var setupProblem: String?

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func selectBest(_ pool: [String], to name: String, tasks: [String] = tasks, best: Int = best) -> [String] {
        [
            "collect", "--model", model, "--tasks", tasks.joined(separator: ","), "--batch", "3",
            "--select-best", String(best), "--out", path(name)
        ] + pool
    }

    static let filePool = ["--prompts", path("pool.h5"), "--role", "collect"]

    /// The pool file, and the curated collections of it on one rank (np1.h5) and two (np2.h5).
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("select-best")
        let quiet = ["VTV_QUIET": "1"]
        let steps: [(ranks: Int, arguments: [String])] = [
            (
                1,
                [
                    "prompts", "export", "--source", "synthetic:3", "--role", "collect", "--count", String(poolSize),
                    "--tasks", tasks.joined(separator: ","), "--canvas-size", "112", "--out", path("pool.h5")
                ]
            ),
            (1, selectBest(filePool, to: "np1.h5")),
            (2, selectBest(filePool, to: "np2.h5"))
        ]
        for step in steps {
            let r =
                step.ranks == 1
                ? try? runCommand(TestPaths.vtv, step.arguments, environment: quiet)
                : try? runMPI(ranks: step.ranks, TestPaths.vtv, step.arguments, environment: quiet)
            guard let r, r.status == 0 else {
                setupProblem =
                    "`vtv \(step.arguments.joined(separator: " "))` on \(step.ranks) rank(s) failed: \(r?.output ?? "")"
                return
            }
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    override func setUpWithError() throws {
        if let problem = Self.setupProblem { throw XCTSkip(problem) }
    }

    /// What a file's `/tasks/<task>/selection` holds.
    struct Selection: Equatable {
        var attributes: [String: HDF5Attribute]
        var poolIndex: [Int64]
        var score: [Double]
        var poolScore: [Double]
    }

    func selection(_ file: String, _ task: String) throws -> Selection {
        let root = try HDF5File.open(file).root
        let group = "tasks/\(task)/selection"
        var attributes: [String: HDF5Attribute] = [:]
        for name in try root.attributeNames(of: group) { attributes[name] = try root.attribute(name, of: group) }
        return Selection(
            attributes: attributes,
            poolIndex: try root.read("\(group)/pool_index", as: Int64.self).values,
            score: try root.read("\(group)/score", as: Double.self).values,
            poolScore: try root.read("\(group)/pool_score", as: Double.self).values)
    }

    /// Counts and prompt lists equal (as sets when `anyOrder`), means and variances within a relative
    /// `tolerance` of max |b|.
    func assertSameStatistics(
        _ a: String, _ b: String, task: String, anyOrder: Bool = false, tolerance: Double = 1e-9,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let x = try HDF5File.open(a).root, y = try HDF5File.open(b).root
        XCTAssertEqual(
            try x.attribute("count", of: "tasks/\(task)"), try y.attribute("count", of: "tasks/\(task)"), file: file,
            line: line)
        guard case let .strings(p) = try x.attribute("prompts", of: "tasks/\(task)"),
            case let .strings(q) = try y.attribute("prompts", of: "tasks/\(task)")
        else {
            return XCTFail("prompts are not string lists", file: file, line: line)
        }
        if anyOrder {
            XCTAssertEqual(Set(p), Set(q), file: file, line: line)
        } else {
            XCTAssertEqual(p, q, file: file, line: line)
        }
        for name in ["encoder_mean", "encoder_var", "decoder_mean", "decoder_var"] {
            let u = try x.read("tasks/\(task)/\(name)", as: Double.self),
                v = try y.read("tasks/\(task)/\(name)", as: Double.self)
            XCTAssertEqual(u.shape, v.shape, file: file, line: line)
            let scale = v.values.map(abs).max() ?? 0
            XCTAssertGreaterThan(scale, 0, "\(task) \(name) is all zeros", file: file, line: line)
            let worst = zip(u.values, v.values).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(task) \(name)", file: file, line: line)
        }
    }

    func testEachTaskStoresItsChosenPromptsTheirScoresAndThePoolsScores() throws {
        for (task, metric) in [("inpaint", "mse"), ("segmentation", "iou")] {
            let s = try selection(Self.path("np1.h5"), task)
            XCTAssertEqual(s.attributes["rule"], .string("best_one_shot"))
            XCTAssertEqual(s.attributes["metric"], .string(metric))
            XCTAssertEqual(s.attributes["requested"], .int(Self.best))
            XCTAssertEqual(s.attributes["pool_size"], .int(Self.poolSize))
            XCTAssertEqual(s.attributes["pool_source"], .string("synthetic:3"))
            XCTAssertEqual(s.attributes["pool_role"], .string("collect"))
            XCTAssertEqual(s.poolIndex.count, Self.best)
            XCTAssertEqual(s.poolScore.count, Self.poolSize)
            // Each chosen prompt's score is its pool score, and the stored images are its own.
            XCTAssertEqual(s.score, s.poolIndex.map { s.poolScore[Int($0)] })
            let pool = try HDF5File.open(Self.path("pool.h5")).root
            XCTAssertEqual(
                s.attributes["query"],
                .strings(try s.poolIndex.map { try pool.attribute("query", of: "prompts/\($0)").stringValue! }))
            XCTAssertEqual(
                s.attributes["support"],
                .strings(try s.poolIndex.map { try pool.attribute("support", of: "prompts/\($0)").stringValue! }))
            // No image repeats in this pool, so the chosen prompts are simply the best four, best first.
            let queries = try (0..<Self.poolSize).map { try pool.attribute("query", of: "prompts/\($0)") }
            let supports = try (0..<Self.poolSize).map { try pool.attribute("support", of: "prompts/\($0)") }
            XCTAssertEqual(Set(queries.map(\.description)).count, Self.poolSize)
            XCTAssertEqual(Set(supports.map(\.description)).count, Self.poolSize)
            let ranked = s.poolScore.indices.sorted { a, b in
                let (x, y) = (s.poolScore[a], s.poolScore[b])
                return x != y ? (metric == "iou" ? x > y : x < y) : a < b
            }
            XCTAssertEqual(s.poolIndex.map(Int.init), Array(ranked.prefix(Self.best)), task)
            XCTAssertEqual(
                try HDF5File.open(Self.path("np1.h5")).root.attribute("count", of: "tasks/\(task)"), .int(Self.best))
        }
    }

    func testOneAndTwoRanksChooseTheSamePromptsAndGiveTheSameMeans() throws {
        for task in Self.tasks {
            XCTAssertEqual(try selection(Self.path("np2.h5"), task), try selection(Self.path("np1.h5"), task), task)
            try assertSameStatistics(Self.path("np2.h5"), Self.path("np1.h5"), task: task)
        }
    }

    func testTheMeanIsAPlainCollectionOverExactlyTheChosenPrompts() throws {
        for task in Self.tasks {
            // The pool file with the chosen prompts given their own role, collected plainly by that role.
            let chosen = try selection(Self.path("np1.h5"), task).poolIndex
            let copy = Self.path("chosen-\(task).h5")
            try FileManager.default.copyItem(atPath: Self.path("pool.h5"), toPath: copy)
            let file = try HDF5File.open(copy, writable: true)
            for index in chosen { try file.root.setAttribute("role", .string("chosen"), on: "prompts/\(index)") }
            try file.commit()
            let plain = Self.path("plain-\(task).h5")
            let r = try runCommand(
                TestPaths.vtv,
                [
                    "collect", "--model", Self.model, "--prompts", copy, "--role", "chosen",
                    "--tasks", task, "--out", plain
                ], environment: ["VTV_QUIET": "1"])
            XCTAssertEqual(r.status, 0, r.output)
            XCTAssertFalse(try HDF5File.open(plain).root.exists("tasks/\(task)/selection"))
            // Collected best first rather than in pool order: the same prompts, summed in another order.
            try assertSameStatistics(Self.path("np1.h5"), plain, task: task, anyOrder: true)
        }
    }

    func testTheSyntheticSourceItselfServesAsThePool() throws {
        let r = try runCommand(
            TestPaths.vtv,
            Self.selectBest(
                [
                    "--source", "synthetic:3", "--role", "collect",
                    "--count", String(Self.poolSize)
                ], to: "source.h5",
                tasks: ["inpaint"]), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("inpaint: the best 4 of 10 collect prompts by one-shot MSE"), r.output)
        XCTAssertEqual(try selection(Self.path("source.h5"), "inpaint"), try selection(Self.path("np1.h5"), "inpaint"))
        try assertSameStatistics(Self.path("source.h5"), Self.path("np1.h5"), task: "inpaint")
    }

    /// A PASCAL split listing 2008_000001 twice: prompts 0 and 2 are query 2008_000001 with support
    /// 2008_000006 (the only other image of class 1), prompt 1 the reverse. Only one of 0 and 2 may
    /// stay, the one of smaller score (0 on a tie, the pool order); so at most two prompts survive.
    func testAPascalPoolKeepsOnePromptPerImage() throws {
        let split = Self.path("repeats.txt")
        try "2008_000001__1\n2008_000006__1\n2008_000001__1\n".write(toFile: split, atomically: true, encoding: .utf8)
        let pool = ["--source", "pascal:\(TestPaths.officialSmall.path)/voc:\(split)", "--role", "collect"]
        let r = try runCommand(
            TestPaths.vtv, Self.selectBest(pool, to: "pascal.h5", best: 2), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        for (task, iou) in [("inpaint", false), ("segmentation", true)] {
            let s = try selection(Self.path("pascal.h5"), task)
            XCTAssertEqual(
                s.attributes["query"], .strings(s.poolIndex.map { $0 == 1 ? "2008_000006" : "2008_000001" }), task)
            let kept = s.poolScore[2] < s.poolScore[0] ? 2 : 0
            let better = iou ? s.poolScore[kept] >= s.poolScore[1] : s.poolScore[kept] <= s.poolScore[1]
            XCTAssertEqual(
                s.poolIndex, better ? [Int64(kept), 1] : [1, Int64(kept)], "\(task): pool scores \(s.poolScore)")
        }
        // Segmentation ignores the in-painting square, so prompts 0 and 2 tie there and 0 stays.
        XCTAssertEqual(try selection(Self.path("pascal.h5"), "segmentation").poolIndex.contains(0), true)

        let three = try runCommand(TestPaths.vtv, Self.selectBest(pool, to: "pascal3.h5", best: 3))
        XCTAssertEqual(three.status, 2, three.output)
        XCTAssertTrue(
            three.stderr.contains(
                "--select-best 3 asks for more prompts than the pool can give: its 3 prompts "
                    + "have 2 distinct queries and 2 distinct supports"), three.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("pascal3.h5")))
    }

    func testAZeroOrLargerThanThePoolSelectionIsAUsageError() throws {
        for (value, message) in [
            ("0", "--select-best must be at least 1, got 0"),
            ("11", "--select-best must be in 1...10, got 11 (the pool is the 10 prompt(s) selected"),
            ("many", "--select-best expects an integer, got 'many'")
        ] {
            let arguments =
                [
                    "collect", "--model", Self.model, "--tasks", "inpaint", "--select-best", value,
                    "--out", Self.path("bad.h5")
                ] + Self.filePool
            let r = try runCommand(TestPaths.vtv, arguments)
            XCTAssertEqual(r.status, 2, "\(value): \(r.output)")
            XCTAssertTrue(r.stderr.contains(message), "\(value): \(r.output)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("bad.h5")))
        }
    }

    func testActivationsInfoSaysHowEachTaskWasChosenAndMergeRefusesACuratedTask() throws {
        let info = try runCommand(TestPaths.vtv, ["activations", "info", Self.path("np1.h5")])
        XCTAssertEqual(info.status, 0, info.output)
        XCTAssertTrue(info.stdout.contains("curated:    2 of 2 tasks over their best one-shot prompts"), info.output)
        XCTAssertTrue(info.stdout.contains("curated: the best 4 of 10 collect prompts by one-shot IoU ("), info.output)
        XCTAssertTrue(info.stdout.contains("curated: the best 4 of 10 collect prompts by one-shot MSE ("), info.output)

        // Prompts of another role, none of them in the pool: only the curation stands in the way of merging.
        let plain = try runCommand(
            TestPaths.vtv,
            [
                "collect", "--model", Self.model, "--source", "synthetic:3", "--role", "train",
                "--count", "2", "--tasks", "segmentation", "--out", Self.path("two.h5")
            ],
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(plain.status, 0, plain.output)
        let plainInfo = try runCommand(TestPaths.vtv, ["activations", "info", Self.path("two.h5")])
        XCTAssertTrue(plainInfo.stdout.contains("curated:    none"), plainInfo.output)
        XCTAssertTrue(plainInfo.stdout.contains("the prompts as given"), plainInfo.output)

        let merge = try runCommand(
            TestPaths.vtv,
            [
                "activations", "merge", Self.path("np1.h5"), Self.path("two.h5"),
                "--out", Self.path("merged.h5")
            ])
        XCTAssertNotEqual(merge.status, 0, merge.output)
        XCTAssertTrue(merge.stderr.contains("holds it as the best prompts of a pool"), merge.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("merged.h5")))
    }

    func testH5pyReadsTheSelection() throws {
        guard let python = which("python3") else { return XCTFail("python3 with h5py is needed (scripts/setup.sh)") }
        let script = """
            import sys, h5py
            with h5py.File(sys.argv[1], "r") as f:
                s = f["tasks/segmentation/selection"]
                assert s.attrs["rule"] == "best_one_shot" and s.attrs["metric"] == "iou", dict(s.attrs)
                assert list(s.attrs["query"])[0].startswith("synthetic-"), s.attrs["query"]
                assert s["pool_index"].dtype == "int64" and s["pool_index"].shape == (4,)
                assert s["score"].shape == (4,) and s["pool_score"].shape == (10,)
                assert all(s["pool_score"][i] == v for i, v in zip(s["pool_index"][()], s["score"][()]))
            print("h5py read the selection")
            """
        let r = try runCommand(python, ["-c", script, Self.path("np1.h5")])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("h5py read the selection"), r.output)
    }
}
