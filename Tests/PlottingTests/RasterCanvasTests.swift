import Imaging
import Plotting
import XCTest

final class RasterCanvasTests: XCTestCase {
    func testDiagonalLineIncludesBothEndsAndOnePixelPerColumn() {
        var canvas = RasterCanvas(width: 10, height: 10)
        canvas.drawLine(x0: 1, y0: 1, x1: 8, y1: 4, .black)
        let ink = inkPixels(canvas)
        XCTAssertTrue(ink.contains([1, 1]) && ink.contains([8, 4]))
        XCTAssertEqual(ink.count, 8)
        XCTAssertEqual(Set(ink.map { $0[0] }), Set(1...8))
    }

    func testThickHorizontalLineCoversThicknessRows() {
        var canvas = RasterCanvas(width: 20, height: 20)
        canvas.drawLine(x0: 5, y0: 10, x1: 14, y1: 10, .black, thickness: 3)
        XCTAssertEqual(Set(inkPixels(canvas).map { $0[1] }), [9, 10, 11])
    }

    func testLinesFarOutsideOrNonFiniteDrawOnlyTheVisiblePart() {
        var canvas = RasterCanvas(width: 10, height: 10)
        canvas.drawLine(x0: -1_000_000_000, y0: 5, x1: 1_000_000_000, y1: 5, .black)
        XCTAssertEqual(inkPixels(canvas), Set((0..<10).map { [$0, 5] }))
        canvas.drawPolyline([(x: 0, y: 0), (x: .nan, y: 3), (x: .infinity, y: 2)], .black)
        XCTAssertEqual(inkPixels(canvas).count, 10)
    }

    func testFilledPolygonCoversExactlyThePixelCentresInside() {
        var canvas = RasterCanvas(width: 10, height: 10)
        canvas.fillPolygon([(x: 2, y: 2), (x: 6, y: 2), (x: 6, y: 5), (x: 2, y: 5)], .black)
        var expected = Set<[Int]>()
        for y in 2..<5 { for x in 2..<6 { expected.insert([x, y]) } }
        XCTAssertEqual(inkPixels(canvas), expected)
    }

    func testTranslucentFillBlendsWithTheBackground() {
        var canvas = RasterCanvas(width: 2, height: 2)
        canvas.fillRect(x: 0, y: 0, width: 2, height: 2, RGB(0, 0, 255), alpha: 0.5)
        XCTAssertEqual(canvas[1, 1], RGB(128, 128, 255))
    }

    func testBlitWithScaleRepeatsEachSourcePixelAsABlock() {
        let source = Image8(width: 2, height: 1, channels: 3, pixels: [255, 0, 0, 0, 0, 255])
        var canvas = RasterCanvas(width: 10, height: 6)
        canvas.draw(source, x: 1, y: 2, scale: 3)
        XCTAssertEqual(canvas[1, 2], RGB(255, 0, 0))
        XCTAssertEqual(canvas[3, 4], RGB(255, 0, 0))
        XCTAssertEqual(canvas[4, 2], RGB(0, 0, 255))
        XCTAssertEqual(canvas[6, 4], RGB(0, 0, 255))
        XCTAssertEqual(canvas[7, 2], .white)
        XCTAssertEqual(canvas[1, 5], .white)
    }

    func testOutlinedRectangleLeavesItsInsideUntouched() {
        var canvas = RasterCanvas(width: 10, height: 10)
        canvas.strokeRect(x: 1, y: 1, width: 6, height: 5, .black, thickness: 2)
        XCTAssertEqual(canvas[1, 1], .black)
        XCTAssertEqual(canvas[6, 5], .black)
        XCTAssertEqual(canvas[3, 3], .white)
        XCTAssertEqual(canvas[7, 1], .white)
    }
}
