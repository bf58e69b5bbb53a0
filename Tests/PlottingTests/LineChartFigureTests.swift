import Imaging
import XCTest

@testable import Plotting

final class LineChartFigureTests: XCTestCase {
    private let red = RGB(214, 39, 40)

    func testSeriesPixelsLieInsideTheAxesFrame() throws {
        let xs = (0..<200).map(Double.init)
        let series = LineSeries(
            name: "reward", x: xs, y: xs.map { sin($0 / 20) * 3 + 0.1 * $0 },
            band: xs.map { _ in 0.5 }, color: red, markers: false)
        let image = try lineChartFigure(title: "t", xLabel: "iteration", yLabel: "reward", series: [series])
        let frame = try XCTUnwrap(axesFrame(image))
        var inside = 0
        for y in 0..<image.height {
            for x in 0..<image.width where pixel(image, x: x, y: y) == red {
                // The legend swatch (right of the frame) also uses the series colour.
                if x > frame.right { continue }
                XCTAssertTrue(
                    x > frame.left && x < frame.right && y > frame.top && y < frame.bottom,
                    "line pixel (\(x), \(y)) outside the axes")
                inside += 1
            }
        }
        XCTAssertGreaterThan(inside, 200)
    }

    func testNaNPointsEmptySeriesAndNoSeriesAllDrawWithoutCrashing() throws {
        let gappy = LineSeries(
            name: "gappy", x: [0, 50, 100, 150, 200], y: [1, .nan, 3, .infinity, 2],
            band: [0.1, 0.2, .nan, 0.1, 0.1], color: red, markers: true)
        let empty = LineSeries(name: "empty", x: [], y: [], color: .black)
        let allNaN = LineSeries(name: "nan", x: [1, 2], y: [.nan, .nan], color: .black)
        for series in [[gappy, empty, allNaN], [empty], []] {
            let image = try lineChartFigure(title: "t", xLabel: "x", yLabel: "y", series: series)
            XCTAssertEqual([image.width, image.height], [1000, 600])
        }
    }

    func testALonePointGetsAMarker() throws {
        let single = LineSeries(name: "eval", x: [50], y: [0.4], color: red)
        let image = try lineChartFigure(title: "t", xLabel: "x", yLabel: "y", series: [single], width: 500, height: 400)
        let frame = try XCTUnwrap(axesFrame(image))
        let marker = (0..<image.height).flatMap { y in (frame.left..<frame.right).map { (x: $0, y: y) } }
            .filter { pixel(image, x: $0.x, y: $0.y) == red }
        XCTAssertGreaterThan(marker.count, 20)
    }

    func testTicksAreNiceRoundNumbersCoveringTheData() {
        let ticks = Ticks(low: -10, high: 987, target: 6)
        XCTAssertEqual(ticks.step, 200)
        XCTAssertEqual(ticks.values, [0, 200, 400, 600, 800])
        XCTAssertEqual(Ticks(low: 0.12, high: 0.38, target: 6).label(0.25), "0.25")
        XCTAssertEqual(Ticks(low: 0, high: 0, target: 6).values.count > 1, true)
    }

    func testYMismatchedWithXIsRejected() {
        let bad = LineSeries(name: "r", x: [1, 2, 3], y: [1, 2], color: red)
        XCTAssertThrowsError(try lineChartFigure(title: "", xLabel: "", yLabel: "", series: [bad])) { error in
            XCTAssertEqual(error as? PlotError, .seriesLength(series: "r", field: "y", count: 2, xCount: 3))
        }
    }

    /// The axes frame: the outermost columns and rows that are mostly the axis colour.
    private func axesFrame(_ image: Image8) -> (left: Int, right: Int, top: Int, bottom: Int)? {
        let axis = FigureStyle.axis
        let xs = (0..<image.width).filter { x in
            (0..<image.height).filter { pixel(image, x: x, y: $0) == axis }.count > image.height / 3
        }
        let ys = (0..<image.height).filter { y in
            (0..<image.width).filter { pixel(image, x: $0, y: y) == axis }.count > image.width / 3
        }
        guard let left = xs.first, let right = xs.last, let top = ys.first, let bottom = ys.last else { return nil }
        return (left, right, top, bottom)
    }
}
