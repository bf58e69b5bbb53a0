import Randomness
import XCTest

@testable import Model

/// The weight arena seam: a model's derived weights (`ModelWeights`) live in one block that an arena
/// hands out, built by one process and read by others. The shared arena itself (an MPI window) is
/// exercised under mpirun by MPICheck and the CLI tests; here two stand-in arenas play the builder
/// and a rank that only maps the builder's block.
final class ModelWeightsTests: XCTestCase {
    let configuration = ModelConfiguration.tiny

    /// Fills like the private arena and keeps the block, as a shared window's builder does.
    final class BuildingArena: WeightArena {
        var built: WeightBlock?
        var fills = 0
        func block(floats count: Int, fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) throws -> WeightBlock {
            fills += 1
            let block = try PrivateWeightArena().block(floats: count, fill: fill)
            built = block
            return block
        }
    }

    /// A rank that is not the builder: never runs `fill`, returns the builder's memory.
    struct MappingArena: WeightArena {
        let builder: WeightBlock
        func block(floats count: Int, fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) throws -> WeightBlock {
            precondition(count == builder.values.count, "the reader computed another size")
            return WeightBlock(values: builder.values, release: { [builder] in _ = builder })
        }
    }

    struct NeverCalled: Error {}

    func testThePrivateArenaFillsOnceAPageAlignedBlock() throws {
        var calls = 0
        let block = try PrivateWeightArena().block(floats: 1000) { values in
            calls += 1
            for i in values.indices { values[i] = Float(i) }
        }
        XCTAssertEqual(calls, 1)
        XCTAssertEqual(block.values.count, 1000)
        XCTAssertEqual(Int(bitPattern: block.values.baseAddress!) % 4096, 0)
        XCTAssertEqual(block.values[999], 999)
    }

    func testAFailingFillIsRethrownByThePrivateArena() {
        XCTAssertThrowsError(try PrivateWeightArena().block(floats: 16) { _ in throw NeverCalled() }) {
            XCTAssertTrue($0 is NeverCalled)
        }
    }

    /// Every rank of a node must agree on the block's size without reading a tensor.
    func testTheLayoutComesFromTheConfigurationAloneAndOnlyTheBuilderReadsTheWeights() throws {
        let builder = BuildingArena()
        let built = try ModelWeights(configuration: configuration, parts: .all, arena: builder) {
            (configuration.initialWeights(seed: 3), "0123456789abcdef")
        }
        let mapped = try ModelWeights(
            configuration: configuration, parts: .all,
            arena: MappingArena(builder: builder.built!)
        ) { throw NeverCalled() }
        XCTAssertEqual(builder.fills, 1)
        XCTAssertEqual(mapped.count, built.count)
        XCTAssertEqual(mapped.contentHash, "0123456789abcdef", "the hash travels in the block's header")
        // Tensors start on 64-byte lines.
        XCTAssertEqual(Int(bitPattern: mapped.plain("cls_token")) % 64, 0)
        XCTAssertEqual(Int(bitPattern: mapped.winograd("vae.decoder.conv_in.weight")) % 64, 0)
    }

    /// The forms a part takes: what its kernels read, and nothing of the parts it does not run.
    func testEachPartHoldsItsTensorsInTheirKernelsForm() throws {
        let decoderOnly = try ModelWeights(
            configuration: configuration, parts: .vqganDecoder, arena: PrivateWeightArena()
        ) {
            (configuration.initialWeights(seed: 1), "")
        }
        let all = try ModelWeights(configuration: configuration, parts: .all, arena: PrivateWeightArena()) {
            (configuration.initialWeights(seed: 1), "")
        }
        XCTAssertLessThan(decoderOnly.count, all.count)
        let forms = configuration.vqgan.weightForms(prefix: "vae.", parts: .vqganEncoder)
        XCTAssertEqual(
            forms[WeightKey(name: "vae.encoder.down.0.downsample.conv.weight", form: .plain)], [32, 32, 3, 3],
            "taming's stride-2 Downsample runs on PyTorch's layout")
        XCTAssertNotNil(forms[WeightKey(name: "vae.encoder.conv_in.weight", form: .winograd)])
        XCTAssertNotNil(forms[WeightKey(name: "vae.quantize.embedding.weight", form: .squaredRowNorms)])
        XCTAssertFalse(forms.keys.contains { $0.name.hasPrefix("vae.decoder.") })
        XCTAssertNotNil(configuration.maeWeightForms[WeightKey(name: "blocks.0.mlp.fc1.weight", form: .packedLinear)])
        XCTAssertNotNil(configuration.maeWeightForms[WeightKey(name: "patch_embed.proj.weight", form: .packedLinear)])
        XCTAssertNotNil(configuration.maeWeightForms[WeightKey(name: "pos_embed", form: .plain)])
    }

    func testTheBuilderReportsMissingAndMisShapedTensors() {
        var weights = configuration.initialWeights(seed: 2)
        weights["blocks.1.attn.proj.bias"] = nil
        weights["vae.decoder.conv_in.bias"] = Tensor(zeros: [3])
        XCTAssertThrowsError(
            try ModelWeights(configuration: configuration, parts: .all, arena: PrivateWeightArena()) {
                (weights, "")
            }
        ) { XCTAssertEqual($0 as? WeightError, .missing(["blocks.1.attn.proj.bias"])) }
        weights["blocks.1.attn.proj.bias"] = Tensor(zeros: [64])
        XCTAssertThrowsError(
            try ModelWeights(configuration: configuration, parts: .all, arena: PrivateWeightArena()) {
                (weights, "")
            }
        ) { XCTAssertEqual($0 as? WeightError, .misShaped([("vae.decoder.conv_in.bias", [32], [3])])) }
    }

    /// Reference: models that build their own weights from the store (each its own copy, as before
    /// the seam). Models bound to a block they only mapped must give the same bits.
    func testModelsBoundToAMappedBlockGiveBitIdenticalResults() throws {
        let store = configuration.initialWeights(seed: 5)
        let builder = BuildingArena()
        _ = try ModelWeights(configuration: configuration, parts: .all, arena: builder) { (store, "") }
        let mapped = try ModelWeights(
            configuration: configuration, parts: .all,
            arena: MappingArena(builder: builder.built!)
        ) { throw NeverCalled() }

        let side = configuration.imageSize
        let noise = RandomStream(seed: 9, name: "canvases")
        let canvases = (0..<2).map { i in (0..<3 * side * side).map { noise.unit(UInt64(i * 3 * side * side + $0)) } }
        let samples = [MAESample(canvas: canvases[0], mode: .oneShot), MAESample(canvas: canvases[1], mode: .zeroShot)]
        let own = try MAEModel(configuration: configuration, weights: store).forward(samples)
        let shared = try MAEModel(configuration: configuration, weights: mapped).forward(samples)
        for i in 0..<2 {
            XCTAssertEqual(shared.logits(of: i).values.map(\.bitPattern), own.logits(of: i).values.map(\.bitPattern))
        }

        // The VQGAN on a small canvas (4x4 tokens), so the debug build stays quick.
        let small = 4 * configuration.vqgan.downsampling
        let canvas = Array(canvases[0].prefix(3 * small * small))
        XCTAssertEqual(
            try VQGANEncoder(configuration: configuration.vqgan, weights: mapped)
                .tokens(canvases: canvas, count: 1, height: small, width: small),
            try VQGANEncoder(configuration: configuration.vqgan, weights: store)
                .tokens(canvases: canvas, count: 1, height: small, width: small))
        let tokens = (0..<16).map { Int32($0 * 5 % configuration.vqgan.codebookSize) }
        let image = try VQGANDecoder(configuration: configuration.vqgan, weights: mapped)
            .decode(tokens: tokens, count: 1, gridHeight: 4, gridWidth: 4)
        let reference = try VQGANDecoder(configuration: configuration.vqgan, weights: store)
            .decode(tokens: tokens, count: 1, gridHeight: 4, gridWidth: 4)
        XCTAssertEqual(image.map(\.bitPattern), reference.map(\.bitPattern))
    }
}
