import Imaging
import XCTest

@testable import Plotting

final class ImageGridFigureTests: XCTestCase {
    /// A 111x111 image of one colour with a black top-left pixel, to locate its corner exactly.
    private func tile(_ color: RGB) -> Image8 {
        var image = Image8(
            width: 111, height: 111, channels: 3,
            pixels: (0..<111 * 111).flatMap { _ in
                [color.r, color.g, color.b]
            })
        image[0, 0, 0] = 0; image[0, 0, 1] = 0; image[0, 0, 2] = 0
        return image
    }

    func testImagesLandAtTheirCellOffsetsAndMissingCellsAreGrayBoxes() throws {
        let red = RGB(200, 30, 30), blue = RGB(30, 30, 200)
        let rows: [[Image8?]] = [[tile(red), nil], [tile(blue), tile(red)]]
        let image = try imageGridFigure(
            title: "prompts", columnTitles: ["input", "output"], rows: rows,
            rowTitles: ["task A", "task B"])
        let layout = ImageGridLayout(
            title: "prompts", columnTitles: ["input", "output"], rows: rows,
            rowTitles: ["task A", "task B"])
        XCTAssertEqual(layout.scale, 1)
        let step = 111 + ImageGridLayout.gap
        let (x0, y0) = (layout.gridX, layout.gridY)
        XCTAssertEqual(pixel(image, x: x0, y: y0), .black)
        XCTAssertEqual(pixel(image, x: x0 + 1, y: y0 + 1), red)
        XCTAssertEqual(pixel(image, x: x0, y: y0 + step), .black)
        XCTAssertEqual(pixel(image, x: x0 + 110, y: y0 + step + 110), blue)
        XCTAssertEqual(pixel(image, x: x0 + step, y: y0 + step), .black)
        XCTAssertEqual(pixel(image, x: x0 + step + 55, y: y0 + 55), FigureStyle.emptyBox)
        XCTAssertEqual(pixel(image, x: x0 + 111, y: y0 + 55), .white, "the gap between cells is background")
        XCTAssertEqual(image.width, x0 + 2 * 111 + ImageGridLayout.gap + FigureStyle.margin)
    }

    func testSmallImagesAreEnlargedByAWholeFactor() throws {
        let small = Image8(width: 16, height: 16, channels: 1, filledWith: 90)
        let layout = ImageGridLayout(title: "", columnTitles: [], rows: [[small]], rowTitles: [])
        XCTAssertEqual(layout.scale, 6)
        let image = try imageGridFigure(title: "", columnTitles: [], rows: [[small]], rowTitles: [])
        XCTAssertEqual(pixel(image, x: layout.gridX + 95, y: layout.gridY + 95), RGB(90, 90, 90))
    }

    func testEnlargementReachesTheSmallSideSoTitlesFit() {
        // A 55 px answer quadrant (112 canvas) doubles to 110 px: "query" and "target" are not shortened.
        let quadrant = Image8(width: 55, height: 55, channels: 3, filledWith: 10)
        let layout = ImageGridLayout(
            title: "", columnTitles: ["query", "target"], rows: [[quadrant, quadrant]], rowTitles: [])
        XCTAssertEqual(layout.scale, 2)
        XCTAssertEqual(layout.columnTitleLines, [["query"], ["target"]])
        let full = Image8(width: 111, height: 111, channels: 3, filledWith: 10)
        XCTAssertEqual(ImageGridLayout(title: "", columnTitles: [], rows: [[full]], rowTitles: []).scale, 1)
    }

    func testRowTitlesMustMatchTheRows() {
        XCTAssertThrowsError(try imageGridFigure(title: "", columnTitles: [], rows: [[nil]], rowTitles: ["a", "b"])) {
            XCTAssertEqual($0 as? PlotError, .rowTitleCount(titles: 2, rows: 1))
        }
    }
}
