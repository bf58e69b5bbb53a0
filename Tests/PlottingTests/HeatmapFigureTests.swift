import Imaging
import XCTest

@testable import Plotting

final class HeatmapFigureTests: XCTestCase {
    /// 24 layers x 16 heads with values 0...383 in row-major order.
    private let ramp = HeatmapPanel(title: "encoder", rows: 24, columns: 16, values: (0..<384).map(Double.init))

    func testFigureIsBetween600And1600PixelsWideForOneLayerByHeadPanel() throws {
        let image = try heatmapFigure(title: "scores", panels: [ramp], valueLabel: "score")
        XCTAssertEqual(image.channels, 3)
        XCTAssertTrue((600...1600).contains(image.width), "width \(image.width)")
    }

    func testCellsCarryTheColourOfTheirValueWithMaxAtTheColormapsTop() throws {
        let image = try heatmapFigure(title: "scores", panels: [ramp], valueLabel: "score")
        let layout = HeatmapLayout(title: "scores", panels: [ramp])
        let grid = layout.gridOrigins[0], cell = layout.cell
        func centre(_ r: Int, _ c: Int) -> RGB {
            pixel(image, x: grid.x + c * cell + cell / 2, y: grid.y + r * cell + cell / 2)
        }
        XCTAssertEqual(centre(23, 15), Colormap.viridis.color(at: 1))
        XCTAssertEqual(centre(0, 0), Colormap.viridis.color(at: 0))
        XCTAssertEqual(centre(12, 0), Colormap.viridis.color(for: 192, min: 0, max: 383))
    }

    func testNaNCellIsGrayAndDivergingLimitsAreSymmetricAboutZero() throws {
        let panel = HeatmapPanel(title: "delta", rows: 2, columns: 2, values: [-1, 0.5, .nan, 0])
        let image = try heatmapFigure(title: "", panels: [panel], colormap: .blueWhiteRed, valueLabel: "change")
        let layout = HeatmapLayout(title: "", panels: [panel])
        let grid = layout.gridOrigins[0], cell = layout.cell
        XCTAssertEqual(pixel(image, x: grid.x + cell / 2, y: grid.y + cell + cell / 2), .missing)
        XCTAssertEqual(pixel(image, x: grid.x + cell + cell / 2, y: grid.y + cell + cell / 2), RGB(247, 247, 247))
        XCTAssertEqual(pixel(image, x: grid.x + cell / 2, y: grid.y + cell / 2), Colormap.blueWhiteRed.color(at: 0))
    }

    func testManyWidePanelsWrapOntoSeveralLinesWithinTheWidthLimit() throws {
        let panels = (0..<6).map {
            HeatmapPanel(
                title: "task \($0)", rows: 24, columns: 16, values: [Double](repeating: Double($0), count: 384))
        }
        let image = try heatmapFigure(title: "six tasks", panels: panels, valueLabel: "score")
        let layout = HeatmapLayout(title: "six tasks", panels: panels)
        XCTAssertLessThanOrEqual(image.width, 1600 + 2 * FigureStyle.margin)
        XCTAssertGreaterThan(Set(layout.panelOrigins.map(\.y)).count, 1)
    }

    func testValueCountOtherThanRowsTimesColumnsIsRejected() {
        let bad = HeatmapPanel(title: "enc", rows: 24, columns: 16, values: [1, 2, 3])
        XCTAssertThrowsError(try heatmapFigure(title: "", panels: [bad], valueLabel: "")) { error in
            XCTAssertEqual(error as? PlotError, .heatmapValueCount(panel: "enc", rows: 24, columns: 16, count: 3))
        }
    }
}

/// The colour at (x, y) of a 3-channel image.
func pixel(_ image: Image8, x: Int, y: Int) -> RGB {
    RGB(image[y, x, 0], image[y, x, 1], image[y, x, 2])
}
