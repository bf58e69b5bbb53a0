import XCTest

@testable import Model

/// How predictions become the images the published code scores (docs/paper.md#token-layouts, docs/paper.md#metrics).
final class RenderingTests: XCTestCase {
    func testOneShotTokenGridIsThePredictionOfEveryPosition() throws {
        let predicted = (0..<196).map { Int32($0 * 5 % 1024) }
        XCTAssertEqual(try Rendering.tokenGrid(predicted: predicted, mode: .oneShot, grid: 14), predicted)
    }

    func testZeroShotTokenGridDuplicatesTheBottomHalfIntoTheTopHalf() throws {
        let predicted = (0..<98).map { Int32(1000 - $0) }
        let grid = try Rendering.tokenGrid(predicted: predicted, mode: .zeroShot, grid: 14)
        XCTAssertEqual(Array(grid[0..<98]), predicted)
        XCTAssertEqual(Array(grid[98..<196]), predicted)
    }

    func testTokenGridRejectsAPredictionOfTheWrongLength() {
        XCTAssertThrowsError(
            try Rendering.tokenGrid(predicted: [Int32](repeating: 0, count: 196), mode: .zeroShot, grid: 14)
        ) {
            XCTAssertEqual(
                $0 as? VQGANError,
                .bufferSize(what: "predicted tokens for a zero-shot 14x14 grid", expected: 98, found: 196))
        }
    }

    func testBytesClampAndTruncateRatherThanRound() {
        // torch.clip(y * 255, 0, 255).int(): 0.999 * 255 = 254.7 -> 254; negatives -> 0; > 1 -> 255.
        let image: [Float] = [0.999, -0.5, 2, 1, 0.5, 0, 0.0039, 0.004, 0.6]
        let bytes = Rendering.bytes(image, height: 1, width: 3)
        // Interleaved [1, 3, 3]: pixel p takes channel c from image[c * 3 + p].
        XCTAssertEqual(bytes.pixels, [254, 255, 0, 0, 127, 1, 255, 0, 153])
    }

    func testBilinearResizeMatchesPyTorchWithoutAlignedCorners() {
        // torch.nn.functional.interpolate([[0, 1], [2, 4]], size=(4, 4), mode="bilinear",
        // align_corners=False), printed by PyTorch 2.13.
        let up = Rendering.resizeBilinear([0, 1, 2, 4], channels: 1, height: 2, width: 2, toHeight: 4, toWidth: 4)
        XCTAssertEqual(up, [0, 0.25, 0.75, 1, 0.5, 0.8125, 1.4375, 1.75, 1.5, 1.9375, 2.8125, 3.25, 2, 2.5, 3.5, 4])
        // Same for arange(9).reshape(3, 3) -> (2, 2): [[1.0, 2.5], [5.5, 7.0]].
        let down = Rendering.resizeBilinear(
            (0..<9).map(Float.init), channels: 1, height: 3, width: 3, toHeight: 2, toWidth: 2)
        XCTAssertEqual(down, [1, 2.5, 5.5, 7])
    }

    func testBilinearResizeToTheSameSizeIsTheIdentity() {
        let image = (0..<(2 * 5 * 7)).map { Float($0) * 0.37 }
        XCTAssertEqual(
            Rendering.resizeBilinear(image, channels: 2, height: 5, width: 7, toHeight: 5, toWidth: 7), image)
    }

    func testRenderDecodesWithTheGivenDecoderAtCanvasSize() throws {
        let decoder = try VQGANDecoder(configuration: .tiny, weights: VQGANConfiguration.tiny.initialize(seed: 3))
        let predicted = (0..<(2 * 98)).map { Int32($0 % 64) }
        let images = try Rendering.render(
            predicted: predicted, count: 2, mode: .zeroShot, grid: 14, decoder: decoder,
            canvasHeight: 224, canvasWidth: 224)
        XCTAssertEqual(images.count, 2)
        XCTAssertEqual(images.map { [$0.height, $0.width] }, [[224, 224], [224, 224]])
        let direct = try decoder.decode(
            tokens: try Rendering.tokenGrid(predicted: Array(predicted[98...]), mode: .zeroShot, grid: 14),
            count: 1, gridHeight: 14, gridWidth: 14)
        XCTAssertEqual(images[1], Rendering.bytes(direct, height: 224, width: 224))
    }
}
