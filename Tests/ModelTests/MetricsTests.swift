import XCTest

@testable import Model

/// The published scores (docs/paper.md#metrics) on hand-made images; parity with the recorded
/// fixture metrics is in VQGANParityTests.
final class MetricsTests: XCTestCase {
    private func image(side: Int, _ color: (Int, Int) -> [UInt8]) -> RenderedImage {
        var pixels: [UInt8] = []
        for r in 0..<side { for c in 0..<side { pixels += color(r, c) } }
        return RenderedImage(height: side, width: side, pixels: pixels)
    }

    func testScoredRegionIsTheBottomRightQuadrantAfterTheGap() {
        XCTAssertEqual(Metrics.scoredRange(side: 224), 113..<224)
    }

    func testTargetRoundTripThroughFloat32NormalizationCanLoseOneLevel() {
        // In float32, ((1/255 - 0.485) / 0.229 * 0.229 + 0.485) * 255 = 0.99999... -> 0 after
        // truncation (numpy float32 gives the same); 0/255 and 255/255 survive.
        let levels: [Float] = [0, 1, 255]
        var canvas = [Float](repeating: 0, count: 3 * 3)
        for (i, k) in levels.enumerated() { canvas[i] = k / 255 } // red channel of three pixels
        let target = Metrics.targetImage(canvas: canvas, height: 1, width: 3)
        XCTAssertEqual([target[0, 0, 0], target[0, 1, 0], target[0, 2, 0]], [0, 0, 255])
    }

    func testIoUCountsPixelsRoundedToWhiteByNearestColour() {
        // Target: left half of the scored quadrant white. Prediction: a light grey (160, 160, 160)
        // everywhere, which rounds to white (nearer 255 than 0), so IoU = |left| / |all|.
        let side = 8 // scored rows/cols 5..<8
        let target = image(side: side) { _, c in c < 6 ? [255, 255, 255] : [0, 0, 0] }
        let prediction = image(side: side) { _, _ in [160, 160, 160] }
        XCTAssertEqual(Metrics.segmentationIoU(target: target, prediction: prediction), 3.0 / 9.0)
        let dark = image(side: side) { _, _ in [100, 100, 100] }
        XCTAssertEqual(Metrics.segmentationIoU(target: target, prediction: dark), 0)
    }

    func testIoUOutsideTheScoredQuadrantIsIgnored() {
        let target = image(side: 8) { r, c in r >= 5 && c >= 5 ? [255, 255, 255] : [0, 0, 0] }
        let prediction = image(side: 8) { _, _ in [255, 255, 255] }
        XCTAssertEqual(Metrics.segmentationIoU(target: target, prediction: prediction), 1)
    }

    func testIoUOfTwoEmptyMasksIsOne() {
        let black = image(side: 8) { _, _ in [0, 0, 0] }
        XCTAssertEqual(Metrics.segmentationIoU(target: black, prediction: black), 1)
    }

    func testMSEIsMeasuredInImageNetNormalizedSpace() {
        // One channel off by 51 levels (0.2) everywhere: per-channel error (0.2 / std)^2,
        // averaged over the 3 channels.
        let target = image(side: 8) { _, _ in [100, 100, 100] }
        let prediction = image(side: 8) { _, _ in [100, 151, 100] }
        let expected = (0.2 / Double(Float(0.224))) * (0.2 / Double(Float(0.224))) / 3
        XCTAssertEqual(Metrics.normalizedMSE(target: target, prediction: prediction), expected, accuracy: 1e-12)
        XCTAssertEqual(Metrics.normalizedMSE(target: target, prediction: target), 0)
    }

    func testLossIsNegativeIoUAndPlainMSE() {
        let white = image(side: 8) { _, _ in [255, 255, 255] }
        let grey = image(side: 8) { _, _ in [128, 128, 128] }
        XCTAssertEqual(PredictionMetric.segmentationIoU.loss(target: white, prediction: white), -1)
        XCTAssertEqual(
            PredictionMetric.normalizedMSE.loss(target: white, prediction: grey),
            Metrics.normalizedMSE(target: white, prediction: grey))
    }
}
