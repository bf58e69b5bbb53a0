import Randomness
import XCTest

@testable import Model

/// One `VQGANWorkspace` shared by an encoder and a decoder, as the pipeline binds them.
final class VQGANWorkspaceTests: XCTestCase {
    func testAnEncoderAndADecoderSharingOneWorkspaceGiveWhatEachGivesWithItsOwn() throws {
        // Channels go up and down between levels, so residual blocks with and without the 1x1
        // shortcut run in both stacks (each block's intermediate then lives in the free buffer).
        let c = VQGANConfiguration(
            ch: 32, chMult: [1, 2, 1, 1, 2], resBlocks: 1, zChannels: 32, embedDim: 8, codebookSize: 64)
        let weights = try ModelWeights(vqgan: c, parts: [.vqganEncoder, .vqganDecoder], arena: PrivateWeightArena()) {
            (c.initialize(seed: 5), "")
        }
        let noise = RandomStream(seed: 5, name: "canvas")
        let canvases = (0..<(2 * 3 * 64 * 64)).map { noise.unit(UInt64($0)) }
        // The reference: each with a workspace of its own.
        let tokens = try VQGANEncoder(configuration: c, weights: weights).tokens(
            canvases: canvases, count: 2, height: 64, width: 64)
        let images = try VQGANDecoder(configuration: c, weights: weights).decode(
            tokens: tokens, count: 2, gridHeight: 4, gridWidth: 4)
        XCTAssertGreaterThan(Set(tokens).count, 1, "degenerate tokens would not show a difference")

        let shared = VQGANWorkspace()
        let encoder = try VQGANEncoder(configuration: c, weights: weights, workspace: shared)
        let decoder = try VQGANDecoder(configuration: c, weights: weights, workspace: shared)
        // Each run finds the other's leftovers in the buffers (the decoder's first).
        XCTAssertEqual(try decoder.decode(tokens: tokens, count: 2, gridHeight: 4, gridWidth: 4), images)
        XCTAssertEqual(try encoder.tokens(canvases: canvases, count: 2, height: 64, width: 64), tokens)
        XCTAssertEqual(try decoder.decode(tokens: tokens, count: 2, gridHeight: 4, gridWidth: 4), images)
    }
}
