import Foundation
import Storage
import TestSupport
import XCTest

/// `vtv collect --per-prompt` (every prompt's head outputs, one HDF5 chunk per prompt, streamed to
/// rank 0), `activations merge` of such files, `vtv score --geometry`, and `--source pairs:DIR`
/// end to end, on the tiny model (`model init --config tiny`) under real mpirun.
final class PerPromptCollectTests: XCTestCase {
    static var directory: URL!
    static let tasks = "segmentation,inpaint,identity"

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("per-prompt")
        let r = try? runCommand(
            TestPaths.vtv, ["model", "init", "--config", "tiny", "--seed", "1", "--out", path("m.h5")])
        if r?.status != 0 { setupProblem = "vtv model init failed: \(r?.output ?? "")" }
    }

    static var setupProblem: String?

    override func setUpWithError() throws {
        if let problem = Self.setupProblem { XCTFail(problem) }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    /// `vtv collect` of synthetic:7 prompts of `role` on `ranks` ranks.
    @discardableResult
    func collect(
        ranks: Int, role: String = "collect", count: Int = 5, _ extra: [String], to name: String,
        expect status: Int32 = 0, file: StaticString = #filePath, line: UInt = #line
    ) throws -> CommandResult {
        let r = try runMPI(
            ranks: ranks, TestPaths.vtv,
            [
                "collect", "--model", Self.path("m.h5"), "--tasks", Self.tasks, "--source", "synthetic:7",
                "--role", role, "--count", "\(count)", "--batch", "2", "--out", Self.path(name)
            ] + extra)
        XCTAssertEqual(r.status, status, r.output, file: file, line: line)
        return r
    }

    func rows(_ name: String, _ task: String, _ stack: String) throws -> HDF5Array<Float> {
        try HDF5File.open(Self.path(name)).root.read("tasks/\(task)/prompt_\(stack)", as: Float.self)
    }

    func testPerPromptOutputsDoNotDependOnTheRankCountAndH5pyReadsOnePromptLazily() throws {
        guard let python = which("python3") else { return XCTFail("python3 with h5py is needed (scripts/setup.sh)") }
        try collect(ranks: 1, ["--per-prompt"], to: "p1.h5")
        try collect(ranks: 2, ["--per-prompt"], to: "p2.h5")
        try collect(ranks: 2, ["--per-prompt", "--per-prompt-gzip", "6"], to: "pz.h5")
        try collect(ranks: 1, [], to: "plain.h5")
        for task in ["segmentation", "inpaint", "identity"] {
            for stack in ["encoder", "decoder"] {
                let one = try rows("p1.h5", task, stack), two = try rows("p2.h5", task, stack)
                XCTAssertEqual(one.shape.first, 5)
                XCTAssertEqual(one.shape, two.shape)
                let scale = one.values.map(abs).max() ?? 0
                let worst = zip(one.values, two.values).map { abs($0 - $1) }.max() ?? 0
                XCTAssertGreaterThan(scale, 0)
                XCTAssertLessThanOrEqual(worst / scale, 1e-5, "\(task) \(stack): 1 vs 2 ranks")
                XCTAssertEqual(try rows("pz.h5", task, stack).values, two.values, "deflating changes no value")
            }
        }
        // The statistics are those of a collection without --per-prompt.
        let plain = try HDF5File.open(Self.path("plain.h5")).root, p1 = try HDF5File.open(Self.path("p1.h5")).root
        XCTAssertEqual(
            try plain.read("tasks/inpaint/encoder_mean", as: Double.self).values,
            try p1.read("tasks/inpaint/encoder_mean", as: Double.self).values)
        XCTAssertFalse(plain.exists("tasks/inpaint/prompt_encoder"))

        let geometry = try runCommand(
            TestPaths.vtv,
            ["score", "--activations", Self.path("p2.h5"), "--out", Self.path("s.h5"), "--geometry", Self.path("geo")])
        XCTAssertEqual(geometry.status, 0, geometry.output)
        XCTAssertTrue(geometry.stdout.contains("within-task cosine"), geometry.output)
        for name in ["geometry.json", "geometry.md", "cosines.png", "clustering.png", "projection.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: Self.path("geo/\(name)")), name)
        }
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/interop/check_per_prompt.py").path
        let check = try runCommand(python, [script, Self.path("p2.h5"), Self.path("geo")])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.stdout.contains("h5py read prompt 1 of identity alone"), check.output)
        XCTAssertTrue(check.stdout.contains("numpy recomputed the geometry"), check.output)

        let info = try runCommand(TestPaths.vtv, ["activations", "info", Self.path("p2.h5")])
        XCTAssertEqual(info.status, 0, info.output)
        XCTAssertTrue(info.stdout.contains("per-prompt: "), info.output)
    }

    func testMergeKeepsPerPromptOutputsAndRefusesAMixedTask() throws {
        try collect(ranks: 1, ["--per-prompt"], to: "c.h5")
        try collect(ranks: 1, role: "train", count: 3, ["--per-prompt"], to: "t.h5")
        try collect(ranks: 1, role: "train", count: 3, [], to: "t-plain.h5")
        let merged = try runCommand(
            TestPaths.vtv, ["activations", "merge", Self.path("c.h5"), Self.path("t.h5"), "--out", Self.path("ct.h5")])
        XCTAssertEqual(merged.status, 0, merged.output)
        let c = try rows("c.h5", "inpaint", "decoder"), t = try rows("t.h5", "inpaint", "decoder")
        let ct = try rows("ct.h5", "inpaint", "decoder")
        XCTAssertEqual(ct.shape.first, 8)
        XCTAssertEqual(ct.values, c.values + t.values)

        let mixed = try runCommand(
            TestPaths.vtv,
            ["activations", "merge", Self.path("c.h5"), Self.path("t-plain.h5"), "--out", Self.path("mixed.h5")])
        XCTAssertNotEqual(mixed.status, 0)
        XCTAssertTrue(mixed.output.contains("has every prompt's head outputs in"), mixed.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("mixed.h5")))
    }

    func testGeometryWithoutPerPromptOutputsAndBadOptions() throws {
        try collect(ranks: 1, count: 2, [], to: "g.h5")
        let score = try runCommand(
            TestPaths.vtv,
            ["score", "--activations", Self.path("g.h5"), "--out", Self.path("gs.h5"), "--geometry", Self.path("g")])
        XCTAssertEqual(score.status, 0, score.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: Self.path("g/cosines.png")))
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("g/projection.png")))
        let json = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: Self.path("g/geometry.json"))))
        let report = try XCTUnwrap(json as? [String: Any])
        XCTAssertEqual((report["mean_cosines"] as? [Any])?.count, 3)
        XCTAssertNil(report["clustering"])

        let cases: [([String], String)] = [
            (["--projection-head", "decoder:0:0"], "--projection-head goes with --geometry"),
            (["--geometry", Self.path("h"), "--projection-head", "decoder:0:0"], "needs per-prompt outputs"),
            (["--geometry", Self.path("h"), "--projection-head", "decoder:9:0"], "layers 0...1")
        ]
        for (extra, phrase) in cases {
            let r = try runCommand(
                TestPaths.vtv, ["score", "--activations", Self.path("g.h5"), "--out", Self.path("hs.h5")] + extra)
            XCTAssertNotEqual(r.status, 0, extra.joined(separator: " "))
            XCTAssertTrue(r.output.contains(phrase), r.output)
        }
        let gzipAlone = try collect(ranks: 1, count: 2, ["--per-prompt-gzip", "3"], to: "x.h5", expect: 2)
        XCTAssertTrue(gzipAlone.output.contains("--per-prompt-gzip goes with --per-prompt"), gzipAlone.output)
        let badLevel = try collect(
            ranks: 1, count: 2, ["--per-prompt", "--per-prompt-gzip", "10"], to: "x.h5", expect: 2)
        XCTAssertTrue(badLevel.output.contains("--per-prompt-gzip"), badLevel.output)
    }

    func testAFolderOfImagePairsIsCollectedAsTheTaskPairs() throws {
        // The fixture's VOC images as inputs and their label images as outputs: an image-to-label task.
        let voc = TestPaths.officialSmall.appendingPathComponent("voc/VOCdevkit/VOC2012")
        let folder = Self.directory.appendingPathComponent("pairs")
        for side in ["input", "output"] {
            try FileManager.default.createDirectory(
                at: folder.appendingPathComponent(side), withIntermediateDirectories: true)
        }
        for name in ["2008_000001", "2008_000002", "2008_000003"] {
            try FileManager.default.copyItem(
                at: voc.appendingPathComponent("JPEGImages/\(name).jpg"),
                to: folder.appendingPathComponent("input/\(name).jpg"))
            try FileManager.default.copyItem(
                at: voc.appendingPathComponent("SegmentationClassAug/\(name).png"),
                to: folder.appendingPathComponent("output/\(name).png"))
        }
        let r = try runMPI(
            ranks: 2, TestPaths.vtv,
            [
                "collect", "--model", Self.path("m.h5"), "--tasks", "pairs", "--source", "pairs:\(folder.path)",
                "--role", "collect", "--per-prompt", "--out", Self.path("pairs.h5")
            ])
        XCTAssertEqual(r.status, 0, r.output)
        let root = try HDF5File.open(Self.path("pairs.h5")).root
        XCTAssertEqual(try root.children("tasks"), ["pairs"])
        XCTAssertEqual(try root.attribute("count", of: "tasks/pairs"), .int(3))
        XCTAssertEqual(try root.shape(of: "tasks/pairs/prompt_encoder").first, 3)

        let wrongTasks = try runCommand(
            TestPaths.vtv,
            [
                "collect", "--model", Self.path("m.h5"), "--source", "pairs:\(folder.path)", "--role", "collect",
                "--out", Self.path("bad.h5")
            ])
        XCTAssertNotEqual(wrongTasks.status, 0)
        XCTAssertTrue(
            wrongTasks.output.contains("has no canvases for task 'segmentation'; it has: pairs"), wrongTasks.output)
        try FileManager.default.removeItem(at: folder.appendingPathComponent("output/2008_000002.png"))
        let unpaired = try runCommand(
            TestPaths.vtv,
            [
                "prompts", "export", "--source", "pairs:\(folder.path)", "--role", "collect", "--tasks", "pairs",
                "--out", Self.path("bad-prompts.h5")
            ])
        XCTAssertNotEqual(unpaired.status, 0)
        XCTAssertTrue(unpaired.output.contains("inputs without an output: 2008_000002"), unpaired.output)
    }
}
