import Randomness
import XCTest

@testable import Model

/// The VQGAN's configuration, tensor table, random initialisation and input checks.
final class VQGANConfigurationTests: XCTestCase {
    func testReleasedConfigurationListsTamingF16Shapes() {
        // taming-transformers "imagenet f16 1024": ch 128, ch_mult (1,1,2,2,4), 2 blocks
        // (3 in the decoder), z 256, codebook 1024 x 256 (docs/paper.md#vqgan).
        let t = VQGANConfiguration.released.expectedTensors(prefix: "vae.")
        XCTAssertEqual(t["vae.encoder.conv_in.weight"], [128, 3, 3, 3])
        XCTAssertEqual(t["vae.encoder.down.2.block.0.nin_shortcut.weight"], [256, 128, 1, 1])
        XCTAssertEqual(t["vae.encoder.down.4.attn.1.q.weight"], [512, 512, 1, 1])
        XCTAssertNil(t["vae.encoder.down.4.downsample.conv.weight"])
        XCTAssertEqual(t["vae.encoder.conv_out.weight"], [256, 512, 3, 3])
        XCTAssertEqual(t["vae.quant_conv.weight"], [256, 256, 1, 1])
        XCTAssertEqual(t["vae.quantize.embedding.weight"], [1024, 256])
        XCTAssertEqual(t["vae.decoder.conv_in.weight"], [512, 256, 3, 3])
        XCTAssertEqual(t["vae.decoder.up.4.attn.2.proj_out.weight"], [512, 512, 1, 1])
        XCTAssertEqual(t["vae.decoder.up.3.block.0.conv1.weight"], [256, 512, 3, 3])
        XCTAssertNil(t["vae.decoder.up.0.upsample.conv.weight"])
        XCTAssertEqual(t["vae.decoder.conv_out.weight"], [3, 128, 3, 3])
        XCTAssertEqual(t.keys.filter { !$0.hasPrefix("vae.") }, [])
    }

    func testBareCheckpointNamesHaveNoPrefix() {
        let t = VQGANConfiguration.small.expectedTensors(prefix: "")
        XCTAssertEqual(t["quantize.embedding.weight"], [1024, 16])
        XCTAssertEqual(t.count, VQGANConfiguration.small.expectedTensors(prefix: "vae.").count)
    }

    func testInitializationIsDeterministicPerSeedAndFillsEveryTensor() throws {
        let c = VQGANConfiguration.tiny
        let a = c.initialize(seed: 11), b = c.initialize(seed: 11), other = c.initialize(seed: 12)
        XCTAssertNoThrow(try a.validate(against: c.expectedTensors()))
        XCTAssertEqual(a.tensors, b.tensors)
        XCTAssertNotEqual(a["vae.decoder.conv_in.weight"], other["vae.decoder.conv_in.weight"])
    }

    func testInitializationUsesPyTorchConvBoundsAndIdentityGroupNorm() throws {
        let weights = VQGANConfiguration.tiny.initialize(seed: 5)
        let conv = try weights.require("vae.encoder.conv_in.weight").values // fan-in 3*3*3 = 27
        XCTAssertLessThanOrEqual(conv.map(abs).max()!, 1 / Float(27).squareRoot())
        XCTAssertGreaterThan(conv.map(abs).max()!, 0.9 / Float(27).squareRoot())
        XCTAssertEqual(Set(try weights.require("vae.encoder.norm_out.weight").values), [1])
        XCTAssertEqual(Set(try weights.require("vae.encoder.norm_out.bias").values), [0])
        XCTAssertLessThanOrEqual(try weights.require("vae.quantize.embedding.weight").values.map(abs).max()!, 1 / 64)
    }

    func testRandomStreamsAreReproducibleIndependentAndUniform() {
        let s = RandomStream(seed: 1, name: "a"), t = RandomStream(seed: 1, name: "b")
        XCTAssertEqual(s.bits(5), RandomStream(seed: 1, name: "a").bits(5))
        XCTAssertNotEqual(s.bits(5), t.bits(5))
        XCTAssertNotEqual(s.bits(5), RandomStream(seed: 2, name: "a").bits(5))
        let draws = (0..<10_000).map { s.unit(UInt64($0)) }
        XCTAssertTrue(draws.allSatisfy { $0 >= 0 && $0 < 1 })
        XCTAssertEqual(draws.reduce(0, +) / 10_000, 0.5, accuracy: 0.02)
    }

    func testConfigurationProblemsAreReportedBeforeLoading() {
        var c = VQGANConfiguration.tiny
        c.ch = 30 // not divisible by 32 groups
        XCTAssertThrowsError(try VQGANEncoder(configuration: c, weights: WeightStore())) {
            XCTAssertEqual(
                $0 as? VQGANError,
                .invalidConfiguration(["channel count 30 is not divisible by 32 GroupNorm groups"]))
        }
    }

    func testMissingTensorsAreNamed() {
        var weights = VQGANConfiguration.tiny.initialize(seed: 1)
        weights["vae.decoder.mid.attn_1.q.weight"] = nil
        XCTAssertThrowsError(try VQGANDecoder(configuration: .tiny, weights: weights)) {
            XCTAssertEqual($0 as? WeightError, .missing(["vae.decoder.mid.attn_1.q.weight"]))
        }
    }

    func testEncoderRejectsCanvasesThatAreNotMultiplesOf16() throws {
        let encoder = try VQGANEncoder(configuration: .tiny, weights: VQGANConfiguration.tiny.initialize(seed: 1))
        XCTAssertThrowsError(
            try encoder.tokens(
                canvases: [Float](repeating: 0, count: 3 * 20 * 20), count: 1,
                height: 20, width: 20)
        ) {
            XCTAssertEqual($0 as? VQGANError, .canvasSize(height: 20, width: 20, multiple: 16))
        }
    }

    func testDecoderRejectsTokensOutsideTheCodebook() throws {
        let decoder = try VQGANDecoder(configuration: .tiny, weights: VQGANConfiguration.tiny.initialize(seed: 1))
        var tokens = [Int32](repeating: 0, count: 4)
        tokens[2] = 64
        XCTAssertThrowsError(try decoder.decode(tokens: tokens, count: 1, gridHeight: 2, gridWidth: 2)) {
            XCTAssertEqual($0 as? VQGANError, .tokenOutOfRange(index: 2, token: 64, codebookSize: 64))
        }
    }

    func testBatchedEncodingAndDecodingEqualOneAtATime() throws {
        let c = VQGANConfiguration.tiny
        let weights = c.initialize(seed: 4)
        let encoder = try VQGANEncoder(configuration: c, weights: weights)
        let noise = RandomStream(seed: 4, name: "canvas")
        let canvases = (0..<(3 * 3 * 32 * 32)).map { noise.unit(UInt64($0)) }
        encoder.batchLimit = 3
        let together = try encoder.tokens(canvases: canvases, count: 3, height: 32, width: 32)
        encoder.batchLimit = 1
        XCTAssertEqual(try encoder.tokens(canvases: canvases, count: 3, height: 32, width: 32), together)

        let decoder = try VQGANDecoder(configuration: c, weights: weights)
        decoder.batchLimit = 3
        let images = try decoder.decode(tokens: together, count: 3, gridHeight: 2, gridWidth: 2)
        decoder.batchLimit = 1
        XCTAssertEqual(try decoder.decode(tokens: together, count: 3, gridHeight: 2, gridWidth: 2), images)
        XCTAssertEqual(images.count, 3 * 3 * 32 * 32)
        XCTAssertTrue(images.allSatisfy { $0 >= 0 && $0 <= 1 })
    }

    func testBenchmarkCountsTheReleasedDecoderAt193GFLOP() {
        let flops = VQGANBenchmark.flops(.released, stage: .decode, side: 224)
        XCTAssertEqual(flops / 1e9, 193.4, accuracy: 0.1)
    }
}
