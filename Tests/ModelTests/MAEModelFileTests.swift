import Foundation
import Model
import Storage
import TestSupport
import XCTest

/// Model files (configuration + weights), the original initialisation, and the content hash.
final class MAEModelFileTests: XCTestCase {
    func testTheSinCosTableEqualsTheFixturePositionTables() throws {
        // The fixture's position tables are the published code's, never perturbed.
        for (name, width) in [("pos_embed", 64), ("decoder_pos_embed", 32)] {
            let reference = try OfficialSmall.floats("weights/\(name)").values
            XCTAssertLessThan(relativeError(sinCosPositionTable(width: width, grid: 14), reference), 1e-7, name)
        }
    }

    func testAWrittenModelFileReadsBackWithTheSameConfigurationWeightsAndHash() throws {
        let dir = try TestPaths.temporaryDirectory("mae-model-file")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("tiny.h5").path
        let weights = ModelConfiguration.tiny.initialWeights(seed: 3)
        try ModelFile.write(configuration: .tiny, weights: weights, to: path)
        let (configuration, read) = try ModelFile.read(path)
        XCTAssertEqual(configuration, .tiny)
        XCTAssertEqual(read.names, weights.names)
        XCTAssertTrue(read.tensors == weights.tensors)
        XCTAssertEqual(read.contentHash, weights.contentHash)
    }

    func testTheViTLargePresetRoundTripsThroughConfigAttributes() throws {
        let dir = try TestPaths.temporaryDirectory("mae-config")
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = try HDF5File.create(dir.appendingPathComponent("c.h5").path)
        try ModelConfiguration.vitLarge.writeAttributes(to: "config", in: file.root)
        try file.commit()
        let back = try HDF5File.open(dir.appendingPathComponent("c.h5").path)
        XCTAssertEqual(try ModelConfiguration(readingAttributesOf: "config", in: back.root), .vitLarge)
        XCTAssertEqual(try back.root.attribute("enc_heads", of: "config").intValue, 16)
        XCTAssertEqual(try back.root.attribute("vq_ch_mult", of: "config").intsValue, [1, 1, 2, 2, 4])
    }

    func testAModelFileWithoutATensorIsRejectedByName() throws {
        let dir = try TestPaths.temporaryDirectory("mae-missing")
        defer { try? FileManager.default.removeItem(at: dir) }
        var weights = ModelConfiguration.tiny.initialWeights(seed: 1)
        weights["blocks.1.attn.qkv.weight"] = nil
        XCTAssertThrowsError(
            try ModelFile.write(configuration: .tiny, weights: weights, to: dir.appendingPathComponent("m.h5").path)
        ) {
            XCTAssertEqual($0 as? WeightError, .missing(["blocks.1.attn.qkv.weight"]))
            XCTAssertTrue("\($0)".contains("'blocks.1.attn.qkv.weight'"))
        }
    }

    func testInitialWeightsFollowTheOriginalInitialisation() throws {
        let c = ModelConfiguration.tiny
        let w = c.initialWeights(seed: 42)
        try w.validate(against: c.expectedTensors)
        let qkv = try w.require("blocks.0.attn.qkv.weight").values
        let bound = (6.0 / Float(64 + 192)).squareRoot()
        XCTAssertLessThanOrEqual(qkv.map(abs).max()!, bound)
        XCTAssertGreaterThan(qkv.map(abs).max()!, 0.95 * bound)
        XCTAssertEqual(try w.require("blocks.0.attn.qkv.bias").values, [Float](repeating: 0, count: 192))
        XCTAssertEqual(try w.require("decoder_norm.weight").values, [Float](repeating: 1, count: 32))
        XCTAssertEqual(try w.require("blocks.2.norm2.bias").values, [Float](repeating: 0, count: 64))
        let cls = try w.require("cls_token").values + (try w.require("mask_token").values)
        let std = (cls.map { $0 * $0 }.reduce(0, +) / Float(cls.count)).squareRoot()
        XCTAssertEqual(std, 0.02, accuracy: 0.006)
        XCTAssertEqual(try w.require("pos_embed").values, sinCosPositionTable(width: 64, grid: 14))
    }

    func testInitialWeightsDependOnlyOnTheSeed() {
        let a = ModelConfiguration.tiny.initialWeights(seed: 5), b = ModelConfiguration.tiny.initialWeights(seed: 5)
        let other = ModelConfiguration.tiny.initialWeights(seed: 6)
        XCTAssertEqual(a.contentHash, b.contentHash)
        XCTAssertNotEqual(a.contentHash, other.contentHash)
    }

    func testTheContentHashSeesASingleFlippedBit() {
        var w = ModelConfiguration.tiny.initialWeights(seed: 9)
        let before = w.contentHash
        var t = w["decoder_pred.bias"]!
        t.values[7] = Float(bitPattern: t.values[7].bitPattern ^ 1)
        w["decoder_pred.bias"] = t
        XCTAssertNotEqual(w.contentHash, before)
        XCTAssertEqual(before.count, 16)
    }

    func testAnInitialisedTinyModelRunsBothModes() throws {
        let model = try MAEModel(configuration: .tiny, weights: ModelConfiguration.tiny.initialWeights(seed: 2))
        let canvas = [Float](repeating: 0.5, count: 3 * 224 * 224)
        let out = try model.forward([
            MAESample(canvas: canvas, mode: .oneShot), MAESample(canvas: canvas, mode: .zeroShot)
        ])
        XCTAssertEqual(out.logits(of: 0).shape, [196, 64])
        XCTAssertEqual(out.logits(of: 1).shape, [98, 64])
        XCTAssertTrue(out.logits(of: 1).values.allSatisfy(\.isFinite))
    }

    func testMovingTheWeightsIntoTheModelLeavesOnlyTheVQGANAndGivesTheSameLogits() throws {
        let c = ModelConfiguration.tiny
        var store = c.initialWeights(seed: 4)
        let copied = try MAEModel(configuration: c, weights: store)
        let moved = try MAEModel(configuration: c, movingWeightsFrom: &store)
        XCTAssertTrue(store.names.allSatisfy { $0.hasPrefix("vae.") })
        XCTAssertEqual(Set(store.names), Set(c.vqgan.expectedTensors(prefix: "vae.").keys))
        let canvas = (0..<(3 * 224 * 224)).map { Float($0 % 251) / 250 }
        let samples = [MAESample(canvas: canvas, mode: .zeroShot)]
        XCTAssertEqual(try moved.forward(samples).logits(of: 0), try copied.forward(samples).logits(of: 0))
    }
}
