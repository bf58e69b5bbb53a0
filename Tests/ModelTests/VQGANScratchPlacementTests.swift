import Randomness
import XCTest

@testable import Model

/// Where a residual block with a 1x1 shortcut keeps conv1's output, and where the stride-2
/// convolution keeps its columns: beside the output in the free activation buffer when it holds
/// both, else in a buffer of the workspace's own. Either way the same bits.
final class VQGANScratchPlacementTests: XCTestCase {
    private let c = VQGANConfiguration(
        ch: 32, chMult: [1, 2, 1, 1, 2], resBlocks: 1, zChannels: 32, embedDim: 8, codebookSize: 64)

    private func weights() throws -> ModelWeights {
        try ModelWeights(vqgan: c, parts: [.vqganEncoder], arena: PrivateWeightArena()) { (c.initialize(seed: 6), "") }
    }

    private func input(_ count: Int) -> [Float] {
        let noise = RandomStream(seed: 6, name: "activations")
        return (0..<count).map { noise.unit(UInt64($0)) * 2 - 1 }
    }

    func testAShortcutBlockGivesTheSameBitsWithItsIntermediateBesideTheOutputOrApart() throws {
        let weights = try weights()
        let block = VQGANResnetBlock(weights, "vae.encoder.down.1.block.0")
        XCTAssertNotNil(block.shortcut)
        XCTAssertNotEqual(block.cIn, block.cOut)
        let (batch, h, w) = (2, 12, 10)
        let x = input(batch * block.cIn * h * w)
        let outputCount = batch * block.cOut * h * w
        func run(spareCount: Int) -> [Float] {
            var current = x
            var spare = [Float](repeating: .nan, count: spareCount)
            let workspace = VQGANWorkspace()
            return current.withUnsafeMutableBufferPointer { cur in
                spare.withUnsafeMutableBufferPointer { sp in
                    let out = block.apply(
                        cur.baseAddress!, spare: sp.baseAddress!, spareCount: spareCount, batch: batch, height: h,
                        width: w, configuration: c, workspace: workspace)
                    XCTAssertEqual(out, sp.baseAddress!, "with a shortcut the result is in the spare buffer")
                    return Array(UnsafeBufferPointer(start: out, count: outputCount))
                }
            }
        }
        withExtendedLifetime(weights) { // the block points into them
            XCTAssertEqual(run(spareCount: 2 * outputCount), run(spareCount: outputCount))
        }
    }

    func testTheStride2ConvolutionGivesTheSameBitsWithItsColumnsInTheOutputBufferOrApart() throws {
        let weights = try weights()
        let conv = Conv3x3Layer(weights, "vae.encoder.down.0.downsample.conv", stride: 2)
        let (batch, h, w) = (2, 20, 18)
        let x = input(batch * conv.cIn * h * w)
        let outputCount = batch * conv.cOut * downsampledSide(h) * downsampledSide(w)
        let columns = conv3x3Stride2ColumnCount(cIn: conv.cIn, height: h, width: w)
        func run(capacity: Int) -> [Float] {
            var y = [Float](repeating: .nan, count: capacity)
            y.withUnsafeMutableBufferPointer { out in
                x.withUnsafeBufferPointer { src in
                    conv.applyStride2(
                        src.baseAddress!, out.baseAddress!, capacity: capacity, batch: batch, height: h, width: w,
                        workspace: VQGANWorkspace())
                }
            }
            return Array(y[..<outputCount])
        }
        withExtendedLifetime(weights) { // the layer points into them
            XCTAssertEqual(run(capacity: outputCount + columns), run(capacity: outputCount))
        }
    }
}
