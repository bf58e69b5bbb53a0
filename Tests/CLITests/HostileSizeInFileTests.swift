import Foundation
import Storage
import TestSupport
import XCTest

/// Sizes a file claims are checked before they are used (issue #25, found by the mutation
/// campaign): files edited to claim huge sizes and then re-sealed, so that every checksum passes,
/// are refused with a message instead of aborting on an allocation or an overflow.
final class HostileSizeInFileTests: XCTestCase {
    var directory: URL!
    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("hostile-size-in-file")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    /// Re-seals a file edited by another program: vtv's own writable open recomputes both checksums.
    func reseal(_ file: String) throws {
        try HDF5File.open(file, writable: true).commit()
    }

    func testAModelWeightClaimingATrillionValuesIsRefusedBeforeItIsRead() throws {
        guard let python = which("python3") else { return XCTFail("python3 with h5py is needed to edit the file") }
        let model = path("m.h5")
        let made = try runCommand(TestPaths.vtv, ["model", "init", "--config", "tiny", "--seed", "1", "--out", model])
        XCTAssertEqual(made.status, 0, made.output)
        let edit = try runCommand(
            python,
            [
                "-c",
                """
                import h5py, sys
                with h5py.File(sys.argv[1], "r+") as f:
                    del f["weights/blocks.0.attn.qkv.bias"]
                    f.create_dataset("weights/blocks.0.attn.qkv.bias", shape=(1 << 40,), dtype="f4", chunks=(1024,))
                """, model
            ])
        XCTAssertEqual(edit.status, 0, edit.output)
        try reseal(model)
        let r = try runCommand(TestPaths.vtv, ["model", "info", model])
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("'blocks.0.attn.qkv.bias' has shape [1099511627776], expected [192]"), r.stderr)
    }

    /// The campaign's attribute sweep, in small: every /config attribute of a model set in turn to
    /// hostile values; `model info` must refuse each with a message, never trap.
    func testEveryConfigurationAttributeSetToAHostileValueIsRefused() throws {
        let model = path("m.h5")
        let made = try runCommand(TestPaths.vtv, ["model", "init", "--config", "tiny", "--seed", "1", "--out", model])
        XCTAssertEqual(made.status, 0, made.output)
        let names = try HDF5File.open(model).root.attributeNames(of: "config")
        XCTAssertGreaterThan(names.count, 10)
        let values: [HDF5Attribute] = [
            .double(.nan), .double(-.infinity), .double(1e300), .int(1 << 62), .int(Int.min), .int(0),
            .ints([Int.min])
        ]
        for name in names {
            for value in values {
                let edited = path("edited.h5")
                try? FileManager.default.removeItem(atPath: edited)
                try FileManager.default.copyItem(atPath: model, toPath: edited)
                let file = try HDF5File.open(edited, writable: true)
                try file.root.setAttribute(name, value, on: "config")
                try file.commit()
                let r = try runCommand(TestPaths.vtv, ["model", "info", edited])
                XCTAssertTrue(r.status == 0 || r.status == 1, "\(name) = \(value): status \(r.status)\n\(r.stderr)")
                XCTAssertFalse(
                    r.stderr.contains("Fatal error") || r.stderr.contains("crashed"), "\(name) = \(value): \(r.stderr)")
            }
        }
    }

    func testAConfigurationClaimingAHugeCanvasIsRefused() throws {
        let fixture = TestPaths.fixtureH5
        for step in [
            [
                "collect", "--model", fixture, "--prompts", fixture, "--count", "1", "--tasks", "segmentation,inpaint",
                "--out", path("a.h5")
            ],
            ["score", "--activations", path("a.h5"), "--out", path("s.h5")]
        ] {
            let r = try runCommand(TestPaths.vtv, step, environment: ["VTV_QUIET": "1"])
            XCTAssertEqual(r.status, 0, r.output)
        }
        let file = try HDF5File.open(path("s.h5"), writable: true)
        try file.root.setAttribute("image_size", .int(1 << 62), on: "config")
        try file.commit()
        let r = try runCommand(
            TestPaths.vtv,
            [
                "eval", "--model", fixture, "--prompts", fixture, "--tasks", "segmentation",
                "--top-k", "3", "--scores", path("s.h5"), "--activations", path("a.h5"),
                "--count", "1", "--grid", "0", "--out", path("e")
            ])
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("implausibly large") && r.stderr.contains("s.h5"), r.stderr)
    }
}
