import Foundation
import Storage
import TestSupport
import XCTest

/// `vtv model convert` turns the published checkpoints into model files holding exactly the
/// fixture's weights (fixture.h5 /weights, written by the published code's run), and refuses
/// bad checkpoints with a specific message, exit 1 and no output file.
final class ModelConvertTests: XCTestCase {
    var directory: URL!
    let official = TestPaths.officialSmall
    let variants = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/torch")

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("convert") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func out(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func fixture(_ name: String) -> String { official.appendingPathComponent(name).path }
    func variant(_ name: String) -> String { variants.appendingPathComponent(name).path }

    func convert(_ arguments: [String]) throws -> CommandResult {
        try runCommand(TestPaths.vtv, ["model", "convert"] + arguments)
    }

    /// Every weight of the model file, compared with fixture.h5's /weights.
    func assertWeightsMatchFixture(
        _ path: String, tolerance: Float = 0, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let ours = try HDF5File.open(path).root.group("weights")
        let reference = try HDF5File.open(TestPaths.fixtureH5).root.group("weights")
        let names = try reference.children()
        XCTAssertEqual(try ours.children(), names, file: file, line: line)
        for name in names {
            let a = try ours.read(name, as: Float.self), b = try reference.read(name, as: Float.self)
            XCTAssertEqual(a.shape, b.shape, name, file: file, line: line)
            let worst = zip(a.values, b.values).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
            XCTAssertLessThanOrEqual(worst, tolerance, "\(name): relative difference \(worst)", file: file, line: line)
        }
    }

    func testTheReleasedLayoutWithTheVQGANInsideConvertsExactly() throws {
        let r = try convert(["--mae", fixture("checkpoint.pth"), "--out", out("m.h5")])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("313 tensors"), r.output)
        try assertWeightsMatchFixture(out("m.h5"))
    }

    func testASeparateVQGANCheckpointGivesTheSameModelAndItsLossKeysAreIgnored() throws {
        let a = try convert(["--mae", fixture("checkpoint.pth"), "--out", out("a.h5")])
        let b = try convert([
            "--mae", fixture("checkpoint_without_vae.pth"), "--vqgan", fixture("vqgan.ckpt"), "--out", out("b.h5")
        ])
        XCTAssertEqual(a.status, 0, a.output)
        XCTAssertEqual(b.status, 0, b.output)
        XCTAssertTrue(b.stdout.contains("loss.discriminator.main.0.weight"), b.output)
        try assertWeightsMatchFixture(out("b.h5"))
        let hashA = try HDF5File.open(out("a.h5")).root.attribute("content_hash")
        let hashB = try HDF5File.open(out("b.h5")).root.attribute("content_hash")
        XCTAssertEqual(hashA, hashB)
    }

    func testLegacyFormatConvertsExactly() throws {
        let r = try convert([
            "--mae", variant("without_vae_legacy.pth"), "--vqgan", fixture("vqgan.ckpt"), "--out", out("l.h5")
        ])
        XCTAssertEqual(r.status, 0, r.output)
        try assertWeightsMatchFixture(out("l.h5"))
    }

    func testHalfPrecisionCheckpointsAreWidenedAndReported() throws {
        // float16 keeps 11 significant bits, bfloat16 8: relative rounding error 2^-11 and 2^-8.
        for (name, dtype, tolerance) in [
            ("without_vae_float16.pth", "float16", Float(1) / 2048),
            ("without_vae_bfloat16.pth", "bfloat16", Float(1) / 256)
        ] {
            let r = try convert(["--mae", variant(name), "--vqgan", fixture("vqgan.ckpt"), "--out", out(name + ".h5")])
            XCTAssertEqual(r.status, 0, r.output)
            XCTAssertTrue(r.stdout.contains("\(dtype) -> float32"), r.output)
            try assertWeightsMatchFixture(out(name + ".h5"), tolerance: tolerance)
        }
    }

    func assertRefused(
        _ arguments: [String], mentioning needles: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let target = out("refused.h5")
        let r = try convert(arguments + ["--out", target])
        XCTAssertEqual(r.status, 1, r.output, file: file, line: line)
        for needle in needles {
            XCTAssertTrue(r.stderr.contains(needle), "expected '\(needle)' in:\n\(r.output)", file: file, line: line)
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("refused") }, [],
            "no output or temporary file is left behind", file: file, line: line)
    }

    func testEveryMissingTensorIsListedAtOnce() throws {
        try assertRefused(
            ["--mae", variant("broken_missing.pth"), "--vqgan", fixture("vqgan.ckpt")],
            mentioning: [
                "missing tensor 'blocks.1.attn.proj.bias'", "missing tensor 'decoder_norm.weight'", "2 problems"
            ])
    }

    func testMisShapedTensorsAreNamedWithBothShapes() throws {
        try assertRefused(
            ["--mae", variant("broken_misshaped.pth"), "--vqgan", fixture("vqgan.ckpt")],
            mentioning: [
                "'decoder_pred.bias' has shape [1024, 1], expected [1024]",
                "'cls_token' has shape [1, 64], expected [1, 1, 64]"
            ])
    }

    func testAMissingVQGANSaysToPassIt() throws {
        try assertRefused(["--mae", fixture("checkpoint_without_vae.pth")], mentioning: ["--vqgan"])
    }

    func testATruncatedZipCheckpointIsRefused() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: fixture("checkpoint_without_vae.pth")))
        let cut = out("cut.pth")
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: cut))
        try assertRefused(["--mae", cut, "--vqgan", fixture("vqgan.ckpt")], mentioning: ["cut.pth", "truncated"])
    }

    func testATruncatedLegacyCheckpointIsRefused() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: variant("without_vae_legacy.pth")))
        let cut = out("cut_legacy.pth")
        try data.prefix(data.count - 1000).write(to: URL(fileURLWithPath: cut))
        try assertRefused(["--mae", cut, "--vqgan", fixture("vqgan.ckpt")], mentioning: ["cut_legacy.pth", "truncated"])
    }

    func testAFileThatIsNotPyTorchIsRefused() throws {
        try assertRefused(["--mae", fixture("fixture.h5")], mentioning: ["fixture.h5", "not a PyTorch"])
    }

    func testAnUnknownGlobalWhereATensorBelongsIsRefusedWithoutRunningIt() throws {
        try assertRefused(["--mae", variant("unknown_global.pth")], mentioning: ["builtins.print"])
    }

    func testInspectListsKeysShapesAndDtypes() throws {
        let r = try runCommand(TestPaths.vtv, ["model", "inspect", fixture("vqgan.ckpt")])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("encoder.conv_in.weight"), r.output)
        XCTAssertTrue(r.stdout.contains("float32 [32, 3, 3, 3]"), r.output)
        XCTAssertTrue(r.stdout.contains("240 tensors"), r.output)
    }
}
