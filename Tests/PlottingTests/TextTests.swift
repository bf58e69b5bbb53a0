import XCTest

@testable import Plotting

final class TextTests: XCTestCase {
    func testMeasuredWidthIsSixPixelsPerCharacterLessTheTrailingGapTimesScale() {
        XCTAssertEqual(RasterCanvas.measureText("abc").width, 17) // 3 * 6 - 1
        XCTAssertEqual(RasterCanvas.measureText("abc", scale: 2).width, 34)
        XCTAssertEqual(RasterCanvas.measureText("abc", scale: 2).height, 18) // 9 rows with descenders
        XCTAssertEqual(RasterCanvas.measureText("").width, 0)
    }

    func testCapitalTDrawsItsBarAndStemAndNothingElse() {
        var canvas = RasterCanvas(width: 10, height: 12)
        canvas.drawText("T", x: 2, y: 1)
        // The 'T' glyph by hand: a full top row of 5 pixels and a stem in the middle column for 6 rows.
        var expected = Set<[Int]>()
        for x in 2...6 { expected.insert([x, 1]) }
        for y in 2...7 { expected.insert([4, y]) }
        XCTAssertEqual(inkPixels(canvas), expected)
    }

    func testScaledTextMakesEachFontPixelASquareBlock() {
        var canvas = RasterCanvas(width: 14, height: 20)
        canvas.drawText("I", x: 0, y: 0, scale: 2)
        // 'I' row 0 is ".###.": columns 1-3, so pixels x 2...7, y 0...1 are ink and x 0...1 are not.
        for x in 2...7 { for y in 0...1 { XCTAssertEqual(canvas[x, y], .black, "(\(x), \(y))") } }
        for x in 0...1 { XCTAssertEqual(canvas[x, 0], .white) }
    }

    func testDescenderOfLowercaseGReachesBelowTheBaseline() {
        var canvas = RasterCanvas(width: 6, height: 9)
        canvas.drawText("g", x: 0, y: 0)
        XCTAssertTrue(inkPixels(canvas).contains { $0[1] >= 7 }, "rows 7-8 hold descenders")
    }

    func testUpwardTextIsTheHorizontalTextRotatedAnticlockwise() {
        let size = RasterCanvas.measureText("Ly", scale: 1)
        var flat = RasterCanvas(width: size.width, height: size.height)
        flat.drawText("Ly", x: 0, y: 0)
        var upright = RasterCanvas(width: size.height, height: size.width)
        upright.drawText("Ly", x: 0, y: 0, direction: .upward)
        // Rotating anticlockwise sends (x, y) to (y, width - 1 - x).
        let rotated = Set(inkPixels(flat).map { [$0[1], size.width - 1 - $0[0]] })
        XCTAssertEqual(inkPixels(upright), rotated)
    }

    func testEveryPrintableASCIICharacterExceptSpaceHasInkAndDiffersFromTheReplacementBox() {
        let box = glyphPixels("\u{00E9}")
        XCTAssertFalse(box.isEmpty)
        for code in 33...126 {
            let character = Character(UnicodeScalar(UInt8(code)))
            let pixels = glyphPixels(character)
            XCTAssertFalse(pixels.isEmpty, "'\(character)' has no ink")
            XCTAssertNotEqual(pixels, box, "'\(character)' draws as the replacement box")
        }
        XCTAssertTrue(glyphPixels(" ").isEmpty)
    }

    func testTextRunningOffTheCanvasIsClippedWithoutCrashing() {
        var canvas = RasterCanvas(width: 8, height: 8)
        canvas.drawText("Hello, world", x: -20, y: 3, scale: 3)
        canvas.drawText("up", x: 5, y: -10, direction: .upward)
        XCTAssertFalse(inkPixels(canvas).isEmpty)
    }

    private func glyphPixels(_ character: Character) -> Set<[Int]> {
        var canvas = RasterCanvas(width: 5, height: 9)
        canvas.drawText(String(character), x: 0, y: 0)
        return inkPixels(canvas)
    }
}

/// The (x, y) of every non-white pixel.
func inkPixels(_ canvas: RasterCanvas) -> Set<[Int]> {
    var ink = Set<[Int]>()
    for y in 0..<canvas.height {
        for x in 0..<canvas.width where canvas[x, y] != .white { ink.insert([x, y]) }
    }
    return ink
}
