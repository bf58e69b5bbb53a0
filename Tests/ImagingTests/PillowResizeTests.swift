import Foundation
import TestSupport
import XCTest

@testable import Imaging

/// Reference outputs written by tools/pil/make_resize_fixtures.py (Pillow) into Tests/Fixtures/pil.
enum PillowFixtures {
    static let folder = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/pil")
    static func path(_ name: String) -> String { folder.appendingPathComponent(name).path }
    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: folder.appendingPathComponent(name)))
    }
    static func floats(_ name: String) throws -> [Float] {
        try bytes(name).withUnsafeBytes { raw in
            (0..<raw.count / 4).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }
}

final class PillowResizeTests: XCTestCase {
    /// Resizes `src_<source>.png` and compares with Pillow's `resize_<name>.png` sample by sample.
    private func assertMatchesPillow(
        _ name: String, source: String, width: Int, height: Int,
        filter: ResampleFilter, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let src = try ImageFile.read(PillowFixtures.path("src_\(source).png"))
        let expected = try ImageFile.read(PillowFixtures.path("resize_\(name).png"))
        let got = src.resized(width: width, height: height, filter: filter)
        XCTAssertEqual(
            [got.width, got.height, got.channels], [expected.width, expected.height, expected.channels],
            file: file, line: line)
        let maxDiff = zip(got.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        let differing = zip(got.pixels, expected.pixels).filter { $0 != $1 }.count
        XCTAssertEqual(maxDiff, 0, "\(name): \(differing) samples differ, by up to \(maxDiff)", file: file, line: line)
    }

    func testBicubicShrinkOf500x375To111x111MatchesPillowExactly() throws {
        try assertMatchesPillow("voc_to_111_bicubic", source: "voc_like", width: 111, height: 111, filter: .bicubic)
    }

    func testBilinearShrinkOf500x375To111x111MatchesPillowExactly() throws {
        try assertMatchesPillow("voc_to_111_bilinear", source: "voc_like", width: 111, height: 111, filter: .bilinear)
    }

    func testBicubicUpscalingMatchesPillowExactly() throws {
        try assertMatchesPillow("small_up_111_bicubic", source: "small", width: 111, height: 111, filter: .bicubic)
        try assertMatchesPillow("small_up_111_bilinear", source: "small", width: 111, height: 111, filter: .bilinear)
    }

    func testShrinkingOneAxisWhileGrowingTheOtherMatchesPillowExactly() throws {
        try assertMatchesPillow("odd_mixed_bicubic", source: "odd", width: 40, height: 83, filter: .bicubic)
        try assertMatchesPillow("odd_mixed_bilinear", source: "odd", width: 40, height: 83, filter: .bilinear)
        try assertMatchesPillow("wide_to_55", source: "wide", width: 55, height: 55, filter: .bicubic)
    }

    func testResizingOnlyOneAxisRunsOnlyThatPassAsPillowDoes() throws {
        try assertMatchesPillow("square_vertical_only", source: "square", width: 64, height: 31, filter: .bicubic)
        try assertMatchesPillow("wide_horizontal_only", source: "wide", width: 71, height: 50, filter: .bicubic)
    }

    func testGrayImagesResizeLikePillowModeL() throws {
        try assertMatchesPillow("gray_to_111", source: "gray", width: 111, height: 111, filter: .bicubic)
        try assertMatchesPillow("gray_up_300x251", source: "gray", width: 300, height: 251, filter: .bilinear)
    }

    func testFloatModeResizeMatchesPillowModeF() throws {
        for (name, source, w, h, filter) in [
            ("gray_f_to_111", "gray", 111, 111, ResampleFilter.bicubic),
            ("odd_f_mixed", "odd", 40, 83, ResampleFilter.bilinear)
        ] {
            let gray = try ImageFile.read(PillowFixtures.path("src_\(source).png")).luma()
            let plane = FloatPlane(width: gray.width, height: gray.height, values: gray.pixels.map { Float($0) / 255 })
            let got = plane.resized(width: w, height: h, filter: filter)
            let expected = try PillowFixtures.floats("resize_f_\(name).bin")
            XCTAssertEqual(got.values.count, expected.count)
            // Pillow computes 1/255 scaling in float32 in numpy and sums in double like us.
            let maxDiff = zip(got.values, expected).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThanOrEqual(maxDiff, 1e-6, name)
        }
    }

    func testLumaMatchesPillowConvertL() throws {
        for name in ["voc_like", "odd"] {
            let src = try ImageFile.read(PillowFixtures.path("src_\(name).png"))
            let expected = try ImageFile.read(PillowFixtures.path("luma_\(name).png"))
            XCTAssertEqual(src.luma(), expected, name)
        }
    }

    func testLumaUsesPillowsSixteenBitFixedPointNotThe299Over1000Formula() {
        // (1, 0, 0): 19595 + 0x8000 >> 16 = 0; (0, 1, 1): 38470 + 7471 + 0x8000 >> 16 = 1, where
        // floor((587 + 114) / 1000) would give 0. Values from Pillow's Convert.c definition (L24).
        let image = Image8(width: 3, height: 1, channels: 3, pixels: [1, 0, 0, 0, 1, 1, 255, 255, 255])
        XCTAssertEqual(image.luma().pixels, [0, 1, 255])
    }

    func testPillowRunsTheVerticalPassFirstOnlyWhenTheHeightLosesMoreThanTwiceTheWidthsPixels() {
        // The rule of Pillow 13.0's ImagingResampleInner (libImaging/Resample.c, python-pillow/Pillow#9549):
        // vertical first iff inH - outH > 0 and inH - outH > 2 * (inW - outW). The sweep in
        // PillowSweepTests checks the consequences on 8,820 cases.
        func order(_ inW: Int, _ inH: Int, _ outW: Int, _ outH: Int) -> ResamplePassOrder {
            ResamplePassOrder(inWidth: inW, inHeight: inH, outWidth: outW, outHeight: outH)
        }
        XCTAssertEqual(order(240, 500, 111, 111), .verticalFirst) // 389 > 2 * 129
        XCTAssertEqual(order(375, 500, 111, 111), .horizontalFirst) // 389 < 2 * 264
        XCTAssertEqual(order(500, 375, 111, 111), .horizontalFirst)
        XCTAssertEqual(order(10, 60, 55, 55), .verticalFirst) // the width grows: 5 > -90
        XCTAssertEqual(order(121, 131, 111, 111), .horizontalFirst) // 20 == 2 * 10: not more
        XCTAssertEqual(order(120, 131, 111, 111), .verticalFirst) // 20 > 2 * 9
        XCTAssertEqual(order(30, 40, 111, 111), .horizontalFirst) // growing
        XCTAssertEqual(order(64, 64, 64, 31), .verticalFirst) // only the vertical pass runs anyway
    }

    func testResizingToTheSameSizeReturnsTheImageUnchanged() throws {
        let src = try ImageFile.read(PillowFixtures.path("src_small.png"))
        XCTAssertEqual(src.resized(width: src.width, height: src.height), src)
    }
}
