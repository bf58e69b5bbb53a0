import Foundation
import TestSupport
import XCTest

@testable import TorchImport

/// Reading real torch.save output; reference values come from PyTorch via expected.json.
final class CheckpointReadingTests: XCTestCase {
    func testTheMAECheckpointHoldsItsStateDictUnderModelWithTheVQGANUnderVaePrefix() throws {
        let checkpoint = try TorchCheckpoint(path: TorchFixtures.path("checkpoint.pth"))
        XCTAssertEqual(checkpoint.format, .zip)
        XCTAssertEqual(checkpoint.object["epoch"]?.intValue, 0)
        let names = try checkpoint.stateDict().map(\.name)
        XCTAssertEqual(names, TorchFixtures.expected["checkpoint.pth"]?.tensors.map(\.name))
        XCTAssertTrue(names.contains("blocks.0.attn.qkv.weight"))
        XCTAssertTrue(names.contains("vae.quantize.embedding.weight"))
    }

    func testTheVQGANCheckpointHoldsItsStateDictUnderStateDictIncludingTheLossKey() throws {
        let checkpoint = try TorchCheckpoint(path: TorchFixtures.path("vqgan.ckpt"))
        XCTAssertEqual(checkpoint.object["global_step"]?.intValue, 0)
        let state = try checkpoint.stateDict()
        XCTAssertTrue(state.contains { $0.name == "loss.discriminator.main.0.weight" })
        XCTAssertEqual(state.map(\.name), TorchFixtures.expected["vqgan.ckpt"]?.tensors.map(\.name))
    }

    func testEveryTensorOfTheOfficialCheckpointsEqualsWhatPyTorchReads() throws {
        for name in ["checkpoint.pth", "checkpoint_without_vae.pth", "vqgan.ckpt"] {
            let expected = try XCTUnwrap(TorchFixtures.expected[name], "expected.json lacks \(name)")
            let state = try TorchCheckpoint(path: TorchFixtures.path(name)).stateDict()
            XCTAssertEqual(state.count, expected.tensors.count, name)
            for (entry, reference) in zip(state, expected.tensors) {
                XCTAssertEqual(entry.name, reference.name)
                try assertMatches(entry.tensor, reference, in: name)
            }
        }
    }

    func testEveryVariantEqualsWhatPyTorchReads() throws {
        let variants = [
            "without_vae_legacy.pth", "without_vae_float16.pth", "without_vae_bfloat16.pth",
            "views.pth", "views_legacy.pth", "views_zip64.pth"
        ]
        for name in variants {
            let expected = try XCTUnwrap(TorchFixtures.expected[name], "expected.json lacks \(name)")
            let state = try TorchCheckpoint(path: TorchFixtures.path(name)).stateDict()
            XCTAssertEqual(state.map(\.name), expected.tensors.map(\.name), name)
            for (entry, reference) in zip(state, expected.tensors) {
                try assertMatches(entry.tensor, reference, in: name)
            }
        }
    }

    func testTheLegacyFormatGivesExactlyTheTensorsOfTheZipFormat() throws {
        let zipped = try TorchCheckpoint(path: TorchFixtures.path("checkpoint_without_vae.pth"))
        let legacy = try TorchCheckpoint(path: TorchFixtures.path("without_vae_legacy.pth"))
        XCTAssertEqual(legacy.format, .legacy)
        let a = try zipped.stateDict(), b = try legacy.stateDict()
        XCTAssertEqual(a.map(\.name), b.map(\.name))
        XCTAssertGreaterThan(a.count, 50)
        for (x, y) in zip(a, b) {
            XCTAssertEqual(x.tensor.shape, y.tensor.shape, x.name)
            XCTAssertEqual(try x.tensor.floats(), try y.tensor.floats(), x.name)
        }
    }

    /// float16 and bfloat16 files hold the float32 weights rounded to nearest even (PyTorch's
    /// `.to(dtype)`); converting back must give exactly those rounded values.
    func testHalfPrecisionCheckpointsHoldTheFloat32WeightsRoundedToNearest() throws {
        let reference = try TorchCheckpoint(path: TorchFixtures.path("checkpoint_without_vae.pth")).stateDict()
        let half = try TorchCheckpoint(path: TorchFixtures.path("without_vae_float16.pth")).stateDict()
        let brain = try TorchCheckpoint(path: TorchFixtures.path("without_vae_bfloat16.pth")).stateDict()
        func roundToBFloat16(_ x: Float) -> Float {
            let bits = x.bitPattern
            return Float(bitPattern: (bits &+ 0x7FFF &+ ((bits >> 16) & 1)) & 0xFFFF_0000)
        }
        for ((r, h), b) in zip(zip(reference, half), brain) {
            XCTAssertEqual(h.tensor.dtype, .float16)
            XCTAssertEqual(b.tensor.dtype, .bfloat16)
            let x = try r.tensor.floats()
            XCTAssertEqual(try h.tensor.floats(), x.map { Float(Float16($0)) }, r.name)
            XCTAssertEqual(try b.tensor.floats(), x.map(roundToBFloat16), r.name)
        }
    }

    func testNonContiguousViewsAreGatheredInRowMajorOrder() throws {
        for name in ["views.pth", "views_legacy.pth", "views_zip64.pth"] {
            let state = Dictionary(
                uniqueKeysWithValues: try TorchCheckpoint(path: TorchFixtures.path(name)).stateDict())
            // base = arange(24).reshape(4, 6) * 0.5 - 3, so base[r][c] = (6r + c) / 2 - 3.
            func base(_ r: Int, _ c: Int) -> Float { Float(6 * r + c) / 2 - 3 }
            let transposed = try XCTUnwrap(state["transposed"])
            XCTAssertFalse(transposed.isContiguous)
            XCTAssertEqual(try transposed.floats(), (0..<6).flatMap { c in (0..<4).map { r in base(r, c) } }, name)
            let sliced = try XCTUnwrap(state["sliced"])
            XCTAssertEqual(sliced.storageOffset, 8)
            XCTAssertEqual(
                try sliced.floats(), [base(1, 2), base(1, 3), base(1, 4), base(2, 2), base(2, 3), base(2, 4)], name)
            XCTAssertEqual(
                try XCTUnwrap(state["stepped"]).floats(), (0..<4).flatMap { r in [0, 2, 4].map { base(r, $0) } }, name)
            XCTAssertEqual(try XCTUnwrap(state["row"]).floats(), (0..<6).map { base(3, $0) }, name)
            XCTAssertEqual(try XCTUnwrap(state["expanded"]).floats(), [1.5, -2, 4, 1.5, -2, 4], name)
            XCTAssertEqual(try XCTUnwrap(state["scalar"]).floats(), [3.25], name)
            XCTAssertEqual(try XCTUnwrap(state["scalar"]).shape, [], name)
            XCTAssertEqual(try XCTUnwrap(state["empty"]).floats(), [], name)
            XCTAssertEqual(try XCTUnwrap(state["empty"]).shape, [0, 5], name)
        }
    }

    func testEveryDTypeConvertsToFloat() throws {
        let state = Dictionary(
            uniqueKeysWithValues: try TorchCheckpoint(path: TorchFixtures.path("views.pth")).stateDict())
        func values(_ name: String) throws -> [Float] { try XCTUnwrap(state[name]).floats() }
        XCTAssertEqual(try values("int64"), [-5, 0, 7, 1_099_511_627_776])
        XCTAssertEqual(try values("int32"), [-2_147_483_648, 3, 1_048_576])
        XCTAssertEqual(try values("int16"), [-32768, 5, 32767])
        XCTAssertEqual(try values("int8"), [-128, 1, 127])
        XCTAssertEqual(try values("uint8"), [0, 200, 255])
        XCTAssertEqual(try values("bool"), [1, 0, 1])
        XCTAssertEqual(try values("float64"), [Float(1.0 / 3.0), -2.5, 1e10])
        XCTAssertEqual(try values("float16"), [Float(Float16(0.1)), -65504, Float(Float16(6e-8)), 1])
        XCTAssertEqual(state["bool"]?.dtype, .bool)
        XCTAssertEqual(state["param"]?.shape, [3])
    }

    func testValuesOtherThanTensorsAreKeptAsDataWithoutRunningAnything() throws {
        for name in ["views.pth", "views_legacy.pth"] {
            let object = try TorchCheckpoint(path: TorchFixtures.path(name)).object
            XCTAssertEqual(object["epoch"]?.intValue, 7)
            guard case .object(let args)? = object["args"] else {
                return XCTFail("args is \(String(describing: object["args"]))")
            }
            XCTAssertEqual(args.type, "argparse.Namespace")
            XCTAssertEqual(args.state?["name"]?.stringValue, "views")
            guard case .float(0.5)? = args.state?["lr"] else { return XCTFail("lr") }
            guard case .list(let nested)? = object["nested"], nested.count == 5,
                case .int(1) = nested[0], case .tuple(let pair) = nested[1], case .float(2.5) = pair[0],
                case .none = nested[2], case .bytes(let raw) = nested[3], case .dict = nested[4]
            else {
                return XCTFail("nested is \(String(describing: object["nested"]))")
            }
            XCTAssertEqual(raw, Array("raw".utf8))
            // 2**70 as little-endian two's complement: eight zero bytes, then 0x40.
            guard case .bigInt(let big)? = object["big"] else { return XCTFail("big") }
            XCTAssertEqual(big, [0, 0, 0, 0, 0, 0, 0, 0, 0x40])
        }
    }

    func testTensorsSharingAStorageShareItsBytes() throws {
        let state = Dictionary(
            uniqueKeysWithValues: try TorchCheckpoint(path: TorchFixtures.path("views.pth")).stateDict())
        let a = try XCTUnwrap(state["transposed"]), b = try XCTUnwrap(state["row"])
        XCTAssertTrue(a.storage === b.storage)
        XCTAssertEqual(b.storageOffset, 18)
    }
}
