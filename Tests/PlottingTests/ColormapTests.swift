import Plotting
import XCTest

final class ColormapTests: XCTestCase {
    func testViridisEndsAreMatplotlibsDarkPurpleAndYellow() {
        // matplotlib: viridis(0) = #440154, viridis(1) = #fde725.
        XCTAssertEqual(Colormap.viridis.color(at: 0), RGB(68, 1, 84))
        XCTAssertEqual(Colormap.viridis.color(at: 1), RGB(253, 231, 37))
        XCTAssertEqual(Colormap.viridis.color(at: 0.5), RGB(33, 145, 140)) // #21918c
    }

    func testValuesMapThroughTheirRangeAndAreClampedOutsideIt() {
        let map = Colormap.viridis
        XCTAssertEqual(map.color(for: -3, min: -3, max: 5), map.color(at: 0))
        XCTAssertEqual(map.color(for: 5, min: -3, max: 5), map.color(at: 1))
        XCTAssertEqual(map.color(for: 100, min: -3, max: 5), map.color(at: 1))
        XCTAssertEqual(map.color(for: 1, min: -3, max: 5), map.color(at: 0.5))
    }

    func testDivergingMapIsBlueBelowWhiteAtTheMiddleAndRedAbove() {
        let map = Colormap.blueWhiteRed
        XCTAssertTrue(map.isDiverging)
        XCTAssertEqual(map.color(for: 0, min: -1, max: 1), RGB(247, 247, 247))
        let low = map.color(at: 0), high = map.color(at: 1)
        XCTAssertGreaterThan(low.b, low.r)
        XCTAssertGreaterThan(high.r, high.b)
    }

    func testNaNIsTheMissingGrayAndAnEmptyRangeGivesTheMiddleColour() {
        XCTAssertEqual(Colormap.viridis.color(for: .nan, min: 0, max: 1), RGB.missing)
        XCTAssertEqual(Colormap.viridis.color(for: 2, min: 2, max: 2), Colormap.viridis.color(at: 0.5))
    }
}
