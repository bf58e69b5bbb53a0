import Foundation
import Storage
import TestSupport
import XCTest

/// `vtv collect`, `activations merge`, `score` and `taskvectors make` as users run them (the built
/// binary under real mpirun) on the official-small fixture, whose fixture.h5 is also a model file
/// (its /config and /weights) and a prompts file (prompts 0-2 have role collect, 3-4 eval).
final class CollectTests: XCTestCase {
    static let tasks = ["colorization", "identity", "inpaint", "lowlight_enhance", "segmentation"]
    var directory: URL!
    let fixture = TestPaths.fixtureH5

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("collect") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func out(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func collect(ranks: Int, _ selection: [String], to name: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let r = try runMPI(
            ranks: ranks, TestPaths.vtv,
            [
                "collect", "--model", fixture, "--prompts", fixture, "--batch", "2",
                "--out", out(name)
            ] + selection)
        XCTAssertEqual(r.status, 0, r.output, file: file, line: line)
    }

    /// Every dataset of two activations files, compared element-wise with relative tolerance
    /// max |a - b| / max |b| <= tolerance; counts and prompt lists must be equal.
    func assertSameStatistics(
        _ a: String, _ b: String, tolerance: Double, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let x = try HDF5File.open(a).root, y = try HDF5File.open(b).root
        XCTAssertEqual(try x.attribute("model_hash"), try y.attribute("model_hash"), file: file, line: line)
        XCTAssertEqual(try x.children("tasks"), Self.tasks, file: file, line: line)
        XCTAssertEqual(try y.children("tasks"), Self.tasks, file: file, line: line)
        for task in Self.tasks {
            XCTAssertEqual(
                try x.attribute("count", of: "tasks/\(task)"), try y.attribute("count", of: "tasks/\(task)"),
                file: file, line: line)
            XCTAssertEqual(
                try x.attribute("prompts", of: "tasks/\(task)"), try y.attribute("prompts", of: "tasks/\(task)"),
                file: file, line: line)
            for name in ["encoder_mean", "encoder_var", "decoder_mean", "decoder_var"] {
                let p = try x.read("tasks/\(task)/\(name)", as: Double.self),
                    q = try y.read("tasks/\(task)/\(name)", as: Double.self)
                XCTAssertEqual(p.shape, q.shape, file: file, line: line)
                let scale = q.values.map(abs).max() ?? 0
                let worst = zip(p.values, q.values).map { abs($0 - $1) }.max() ?? 0
                XCTAssertGreaterThan(scale, 0, "\(task) \(name) is all zeros", file: file, line: line)
                XCTAssertLessThanOrEqual(worst / scale, tolerance, "\(task) \(name)", file: file, line: line)
            }
        }
    }

    func testCollectingOnOneTwoAndThreeRanksGivesTheSameStatistics() throws {
        for ranks in 1...3 { try collect(ranks: ranks, ["--role", "collect"], to: "a\(ranks).h5") }
        XCTAssertEqual(try HDF5File.open(out("a1.h5")).root.attribute("count", of: "tasks/inpaint"), .int(3))
        try assertSameStatistics(out("a2.h5"), out("a1.h5"), tolerance: 1e-9)
        try assertSameStatistics(out("a3.h5"), out("a1.h5"), tolerance: 1e-9)
    }

    func testMergingTwoPartialCollectsEqualsOneFullCollect() throws {
        try collect(ranks: 1, ["--count", "5"], to: "full.h5")
        try collect(ranks: 2, ["--role", "collect"], to: "first.h5")
        try collect(ranks: 1, ["--role", "eval"], to: "second.h5")
        let r = try runCommand(
            TestPaths.vtv, ["activations", "merge", out("first.h5"), out("second.h5"), "--out", out("merged.h5")])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(try HDF5File.open(out("merged.h5")).root.attribute("count", of: "tasks/segmentation"), .int(5))
        try assertSameStatistics(out("merged.h5"), out("full.h5"), tolerance: 1e-9)

        let info = try runCommand(TestPaths.vtv, ["activations", "info", out("merged.h5")])
        XCTAssertEqual(info.status, 0, info.output)
        XCTAssertTrue(info.stdout.contains("[3, 148, 4, 16]"), info.output)
        XCTAssertTrue(info.stdout.contains("segmentation      5 prompts"), info.output)
    }

    func testH5pyReadsTheActivationsScoresAndTaskVectorsFiles() throws {
        guard let python = which("python3") else { return XCTFail("python3 with h5py is needed (scripts/setup.sh)") }
        try collect(ranks: 1, ["--role", "collect"], to: "a.h5")
        let score = try runCommand(
            TestPaths.vtv,
            [
                "score", "--activations", out("a.h5"), "--granularity", "1",
                "--out", out("s.h5"), "--plot", out("s.png"), "--top", "3"
            ])
        XCTAssertEqual(score.status, 0, score.output)
        // The three best, printed by rank with their names.
        XCTAssertTrue(score.stdout.contains("   1 "), score.output)
        XCTAssertEqual(score.stdout.split(separator: "\n").filter { $0.contains(" layer ") }.count, 3, score.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out("s.png")))
        let make = try runCommand(
            TestPaths.vtv,
            [
                "taskvectors", "make", "--model", fixture, "--activations", out("a.h5"),
                "--task", "segmentation", "--top-k", "6", "--scores", out("s.h5"),
                "--out", out("tv.h5")
            ])
        XCTAssertEqual(make.status, 0, make.output)
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/interop/check_activations.py").path
        let check = try runCommand(python, [script, out("a.h5"), out("s.h5"), out("tv.h5"), fixture])
        XCTAssertEqual(check.status, 0, check.output)
        XCTAssertTrue(check.stdout.contains("h5py read the activations, scores and task-vectors files"), check.output)
    }

    func testPatchedInferenceAtThePublishedMaskReproducesThePublishedPatchedRun() throws {
        // fixture.h5 /patch/granularity1_mask has these granularity-1 variables on.
        let mask = try HDF5File.open(fixture).root.read("patch/granularity1_mask", as: UInt8.self).values
        let variables = mask.indices.filter { mask[$0] != 0 }.map(String.init).joined(separator: ",")
        try collect(ranks: 1, ["--role", "collect", "--tasks", "colorization"], to: "a.h5")
        let r = try runCommand(
            TestPaths.vtv,
            [
                "infer", "--model", fixture, "--prompts", fixture, "--index", "3",
                "--task", "colorization", "--mode", "patched", "--activations", out("a.h5"),
                "--granularity", "1", "--patch-variables", variables, "--out", out("r.h5")
            ])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("348 head outputs patched"), r.output)
        let ours = try HDF5File.open(out("r.h5")).root, published = try HDF5File.open(fixture).root
        let logits = try ours.read("logits", as: Float.self)
        let reference = try published.read("prompts/3/colorization/patched_logits", as: Float.self)
        XCTAssertEqual(logits.shape, reference.shape)
        let scale = reference.values.map(abs).max()!
        XCTAssertLessThan(zip(logits.values, reference.values).map { abs($0 - $1) }.max()! / scale, 1e-4)
        XCTAssertEqual(try ours.attribute("mode"), .string("patched"))
        let metric = try ours.attribute("metric").doubleValue!
        let publishedMetric = try published.attribute("patched_metric", of: "prompts/3/colorization").doubleValue!
        XCTAssertEqual(metric, publishedMetric, accuracy: 1e-4 * abs(publishedMetric))
    }
}
