import Foundation
import Storage
import TestSupport
import XCTest

/// `vtv infer` reproduces the published code's outputs from the command line (fixture.h5:
/// argmax tokens, VQGAN tokens, rendered images and metrics of the official-small model), and
/// `vtv model init`/`info` make and describe models.
final class InferCommandTests: XCTestCase {
    static var directory: URL!
    static var model: String { directory.appendingPathComponent("model.h5").path }

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("infer")
        let convert = try! runCommand(
            TestPaths.vtv,
            [
                "model", "convert", "--mae",
                TestPaths.officialSmall.appendingPathComponent("checkpoint.pth").path, "--out", model
            ])
        precondition(convert.status == 0, convert.output)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    func out(_ name: String) -> String { Self.directory.appendingPathComponent(name).path }

    func infer(index: Int, task: String, mode: String) throws -> HDF5Group {
        let result = out("\(index)-\(task)-\(mode).h5")
        let r = try runCommand(
            TestPaths.vtv,
            [
                "infer", "--model", Self.model, "--prompts", TestPaths.fixtureH5, "--index", String(index),
                "--task", task, "--mode", mode, "--out", result, "--png", result + ".png"
            ])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: result + ".png"))
        return try HDF5File.open(result).root
    }

    func testOneAndZeroShotInferenceReproduceThePublishedOutputs() throws {
        let fixture = try HDF5File.open(TestPaths.fixtureH5).root
        for (mode, key) in [("one-shot", "one_shot"), ("zero-shot", "zero_shot")] {
            for task in ["segmentation", "colorization"] {
                let group = "prompts/3/\(task)"
                let ours = try infer(index: 3, task: task, mode: mode)
                XCTAssertEqual(
                    try ours.read("tokens", as: Int32.self).values,
                    try fixture.read("\(group)/\(key)_argmax", as: Int32.self).values, "\(task) \(mode) tokens")
                XCTAssertEqual(
                    try ours.read("canvas_tokens", as: Int32.self).values.map(Int64.init),
                    try fixture.read("\(group)/vqgan_tokens", as: Int64.self).values)
                let logits = try ours.read("logits", as: Float.self).values
                let reference = try fixture.read("\(group)/\(key)_logits", as: Float.self).values
                let scale = reference.map { abs($0) }.max()!
                XCTAssertLessThan(zip(logits, reference).map { abs($0 - $1) }.max()! / scale, 1e-4)
                let image = try ours.read("image", as: UInt8.self, shape: [224, 224, 3]).values
                let published = try fixture.read("\(group)/\(key)_image", as: UInt8.self).values
                let close = zip(image, published).filter { abs(Int($0) - Int($1)) <= 2 }.count
                XCTAssertGreaterThanOrEqual(Double(close) / Double(image.count), 0.999)
                let metric = try fixture.attribute("\(key)_metric", of: group).doubleValue!
                let ourMetric = try ours.attribute("metric").doubleValue!
                XCTAssertEqual(ourMetric, metric, accuracy: 1e-3 * abs(metric), "\(task) \(mode) metric")
            }
        }
    }

    func testAnIndexOutsideThePromptsIsRefused() throws {
        let r = try runCommand(
            TestPaths.vtv,
            [
                "infer", "--model", Self.model, "--prompts", TestPaths.fixtureH5, "--index", "9",
                "--task", "segmentation", "--out", out("bad.h5")
            ])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out("bad.h5")))
    }

    func testModelInitIsSeededAndInfoDescribesIt() throws {
        for (name, seed) in [("a.h5", "5"), ("b.h5", "5"), ("c.h5", "6")] {
            let r = try runCommand(
                TestPaths.vtv, ["model", "init", "--config", "tiny", "--seed", seed, "--out", out(name)])
            XCTAssertEqual(r.status, 0, r.output)
        }
        let hash = { (name: String) in try HDF5File.open(self.out(name)).root.attribute("content_hash") }
        XCTAssertEqual(try hash("a.h5"), try hash("b.h5"), "the same seed gives the same weights")
        XCTAssertNotEqual(try hash("a.h5"), try hash("c.h5"))
        let info = try runCommand(TestPaths.vtv, ["model", "info", out("a.h5")])
        XCTAssertEqual(info.status, 0, info.output)
        XCTAssertTrue(info.stdout.contains(try hash("a.h5").stringValue!), info.output)
    }
    /// Task vectors of tiny seed 5 applied by tiny seed 6 (the same configuration, another hash):
    /// refused, then accepted with --allow-other-model and noted; the flag without a file is a usage error.
    func testASiblingModelsTaskVectorsNeedTheFlag() throws {
        let steps: [[String]] = [
            ["model", "init", "--config", "tiny", "--seed", "5", "--out", out("made.h5")],
            ["model", "init", "--config", "tiny", "--seed", "6", "--out", out("sibling.h5")],
            [
                "collect", "--model", out("made.h5"), "--prompts", TestPaths.fixtureH5, "--count", "1", "--tasks",
                "segmentation", "--out", out("made-a.h5")
            ],
            [
                "taskvectors", "make", "--model", out("made.h5"), "--activations", out("made-a.h5"), "--task",
                "segmentation", "--variables", "0,5", "--out", out("made-tv.h5")
            ]
        ]
        for step in steps {
            let r = try runCommand(TestPaths.vtv, step, environment: ["VTV_QUIET": "1"])
            XCTAssertEqual(r.status, 0, "\(step): \(r.output)")
        }
        func infer(_ extra: [String], out result: String) throws -> CommandResult {
            try runCommand(
                TestPaths.vtv,
                [
                    "infer", "--model", out("sibling.h5"), "--prompts", TestPaths.fixtureH5, "--index", "3", "--task",
                    "segmentation", "--out", result
                ] + extra)
        }
        let refused = try infer(["--mode", "patched", "--taskvectors", out("made-tv.h5")], out: out("refused.h5"))
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.stderr.contains("was made with another model"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out("refused.h5")))

        let accepted = try infer(
            ["--mode", "patched", "--taskvectors", out("made-tv.h5"), "--allow-other-model"], out: out("sibling-r.h5"))
        XCTAssertEqual(accepted.status, 0, accepted.output)
        XCTAssertTrue(accepted.stderr.contains("--allow-other-model"), accepted.output)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out("sibling-r.h5")))

        let misuse = try infer(["--mode", "zero-shot", "--allow-other-model"], out: out("misuse.h5"))
        XCTAssertEqual(misuse.status, 2, misuse.output)
        XCTAssertTrue(misuse.stderr.contains("--allow-other-model applies to --taskvectors"), misuse.stderr)
    }
}
