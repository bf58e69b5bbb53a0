import Imaging
import Prompts
import Randomness
import XCTest

final class PromptCanvasTests: XCTestCase {
    /// A 2-colour test picture: left half (r, g, b), right half white.
    private func picture(_ w: Int, _ h: Int, _ r: UInt8, _ g: UInt8, _ b: UInt8) -> Image8 {
        var image = Image8(width: w, height: h, channels: 3, filledWith: 255)
        for y in 0..<h { for x in 0..<(w / 2) { image[y, x, 0] = r; image[y, x, 1] = g; image[y, x, 2] = b } }
        return image
    }

    private func example(_ layout: CanvasLayout, classID: Int = 3) throws -> QuadrantImage {
        let image = picture(40, 30, 200, 100, 50)
        var labels = Image8(width: 40, height: 30, channels: 1, filledWith: 0)
        for y in 0..<30 { for x in 20..<40 { labels[y, x, 0] = UInt8(classID) } }
        labels[0, 39, 0] = 255
        return try QuadrantImage(
            name: "ex", image: image,
            classMask: QuadrantImage.classMask(labels: labels, classID: classID),
            side: layout.quadrant)
    }

    func testPublishedLayoutHas111PixelQuadrantsAndA2PixelWhiteGap() {
        let layout = CanvasLayout.published
        XCTAssertEqual([layout.size, layout.quadrant, layout.secondStart, layout.holeSide], [224, 111, 113, 27])
    }

    func testSmallerCanvasesKeepTheSameStructure() throws {
        let layout = CanvasLayout(size: 64)
        XCTAssertEqual([layout.quadrant, layout.secondStart, layout.holeSide], [31, 33, 7])
        let ex = try example(layout)
        let canvas = try PromptCanvas(task: .identity, support: ex, query: ex, layout: layout)
        XCTAssertEqual(canvas.values.count, 3 * 64 * 64)
        // Rows 31 and 32 (the gap) are white in every channel.
        for c in 0..<3 {
            for y in 31...32 { for x in 0..<64 { XCTAssertEqual(canvas.values[(c * 64 + y) * 64 + x], 1) } }
        }
        XCTAssertEqual(canvas.quadrant(row: 33, col: 33), ex.rgb)
    }

    func testLowLightInputIsHalfTheImageAndOutputTheImage() throws {
        let layout = CanvasLayout(size: 64)
        let ex = try example(layout)
        let canvas = try PromptCanvas(task: .lowlightEnhance, support: ex, query: ex, layout: layout)
        XCTAssertEqual(canvas.quadrant(row: 33, col: 0), ex.rgb.map { 0.5 * $0 })
        XCTAssertEqual(canvas.quadrant(row: 0, col: 33), ex.rgb)
    }

    func testInpaintSquareIsBlackAtTheSamePlaceInSupportAndQueryInputs() throws {
        let layout = CanvasLayout(size: 64)
        let ex = try example(layout)
        let square = InpaintSquare(row: 5, col: 20)
        let canvas = try PromptCanvas(task: .inpaint, support: ex, query: ex, square: square, layout: layout)
        for (row, col) in [(0, 0), (33, 0)] {
            let q = canvas.quadrant(row: row, col: col)
            for c in 0..<3 {
                for y in 0..<31 {
                    for x in 0..<31 {
                        let inside = (5..<12).contains(y) && (20..<27).contains(x)
                        XCTAssertEqual(q[(c * 31 + y) * 31 + x], inside ? 0 : ex.rgb[(c * 31 + y) * 31 + x])
                    }
                }
            }
        }
        XCTAssertEqual(canvas.quadrant(row: 33, col: 33), ex.rgb)
    }

    func testColorizationInputIsPillowLumaOfTheResizedImageInAllChannels() throws {
        let layout = CanvasLayout(size: 64)
        let ex = try example(layout)
        let canvas = try PromptCanvas(task: .colorization, support: ex, query: ex, layout: layout)
        // Left half of the source is (200, 100, 50): PIL L = (200*19595 + 100*38470 + 50*7471 + 32768) >> 16 = 124.
        XCTAssertEqual(canvas.quadrant(row: 33, col: 0)[0], Float(124) / 255)
        XCTAssertEqual(canvas.quadrant(row: 33, col: 0), ex.gray + ex.gray + ex.gray)
    }

    func testSegmentationOutputIsTheClassMaskWithBoundaryCountedAsNotTheClass() throws {
        let layout = CanvasLayout(size: 64)
        let ex = try example(layout)
        let canvas = try PromptCanvas(task: .segmentation, support: ex, query: ex, layout: layout)
        let mask = try XCTUnwrap(ex.mask)
        XCTAssertEqual(canvas.quadrant(row: 33, col: 33), mask + mask + mask)
        XCTAssertEqual(mask[15 * 31], 0) // left edge: background
        XCTAssertEqual(mask[15 * 31 + 30], 1) // right edge: the class
        let labels = Image8(width: 3, height: 1, channels: 1, pixels: [3, 255, 0])
        XCTAssertEqual(QuadrantImage.classMask(labels: labels, classID: 3).pixels, [255, 0, 0])
        XCTAssertEqual(canvas.quadrant(row: 33, col: 0), ex.rgb)
    }

    func testCompositeTasksDarkenAndHoleOrHoleTheInputs() throws {
        let layout = CanvasLayout(size: 64)
        let ex = try example(layout)
        let square = InpaintSquare(row: 1, col: 2)
        let dark = try PromptCanvas(task: .lowlightInpaint, support: ex, query: ex, square: square, layout: layout)
        let holed = try PromptCanvas(
            task: .segmentationOfHoledQuery, support: ex, query: ex, square: square, layout: layout)
        let q = dark.quadrant(row: 33, col: 0)
        XCTAssertEqual(q[1 * 31 + 2], 0)
        XCTAssertEqual(q[20 * 31 + 20], 0.5 * ex.rgb[20 * 31 + 20])
        XCTAssertEqual(dark.quadrant(row: 33, col: 33), ex.rgb)
        XCTAssertEqual(holed.quadrant(row: 33, col: 0)[1 * 31 + 2], 0)
        XCTAssertEqual(holed.quadrant(row: 33, col: 0)[20 * 31 + 20], ex.rgb[20 * 31 + 20])
        let mask = try XCTUnwrap(ex.mask)
        XCTAssertEqual(holed.quadrant(row: 33, col: 33), mask + mask + mask)
    }

    func testSegmentationWithoutLabelsThrowsMissingMask() throws {
        let layout = CanvasLayout(size: 64)
        let bare = try QuadrantImage(name: "bare", image: picture(10, 10, 1, 2, 3), side: layout.quadrant)
        XCTAssertThrowsError(try PromptCanvas(task: .segmentation, support: bare, query: bare, layout: layout)) {
            XCTAssertEqual($0 as? PromptError, .missingMask(task: "segmentation", image: "bare"))
        }
    }

    func testSquareThatDoesNotFitAndWrongQuadrantSizeAreRejected() throws {
        let layout = CanvasLayout(size: 64)
        let ex = try example(layout)
        XCTAssertThrowsError(
            try PromptCanvas(
                task: .inpaint, support: ex, query: ex,
                square: InpaintSquare(row: 25, col: 0), layout: layout))
        XCTAssertThrowsError(try PromptCanvas(task: .identity, support: ex, query: ex, layout: .published)) {
            XCTAssertEqual($0 as? PromptError, .quadrantMismatch(expected: 111, support: 31, query: 31))
        }
    }

    func testRandomSquaresAlwaysFitAndRepeatForTheSameSeed() {
        var a = SplitMix64(seed: 7), b = SplitMix64(seed: 7)
        for _ in 0..<500 {
            let s = InpaintSquare.random(in: .published, using: &a)
            XCTAssertEqual(s, InpaintSquare.random(in: .published, using: &b))
            XCTAssertTrue((0...84).contains(s.row) && (0...84).contains(s.col))
        }
    }

    func testSplitMix64MatchesTheReferenceSequence() {
        // Reference: Vigna's splitmix64.c (state += 0x9E3779B97F4A7C15, then the mix), seed 1234567.
        var rng = SplitMix64(seed: 1_234_567)
        XCTAssertEqual(
            [rng.next(), rng.next(), rng.next()],
            [6_457_827_717_110_365_317, 3_203_168_211_198_807_973, 9_817_491_932_198_370_423])
        XCTAssertEqual(SplitMix64(seed: 0).value(at: 0), 0xE220_A839_7B1D_CDAF)
    }
}
