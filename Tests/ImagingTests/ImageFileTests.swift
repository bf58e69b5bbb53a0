import Foundation
import Imaging
import TestSupport
import XCTest

final class ImageFileTests: XCTestCase {
    private func assertDecodesLikePillow(_ file: String, _ decoded: String, channels: Int) throws {
        let got = try ImageFile.read(PillowFixtures.path(file))
        let expected = try ImageFile.read(PillowFixtures.path(decoded))
        XCTAssertEqual(got.channels, channels, file)
        XCTAssertEqual([got.width, got.height], [expected.width, expected.height], file)
        let maxDiff = zip(got.pixels, expected.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
        XCTAssertEqual(maxDiff, 0, "\(file) differs from Pillow's decoding by up to \(maxDiff)")
    }

    func testBaselineJPEGDecodesToTheSamePixelsAsPillow() throws {
        try assertDecodesLikePillow("decode_baseline.jpg", "decoded_baseline.png", channels: 3)
    }

    func testProgressiveJPEGDecodesToTheSamePixelsAsPillow() throws {
        try assertDecodesLikePillow("decode_progressive.jpg", "decoded_progressive.png", channels: 3)
    }

    func testGrayscaleJPEGDecodesToOneChannel() throws {
        try assertDecodesLikePillow("decode_gray.jpg", "decoded_gray.png", channels: 1)
    }

    func testPaletteLabelPNGReadsAsRawIndicesLikeNumpyArrayOfPIL() throws {
        let labels = try ImageFile.readLabels(PillowFixtures.path("decode_palette.png"))
        XCTAssertEqual(labels.channels, 1)
        XCTAssertEqual(labels.pixels, try PillowFixtures.bytes("decoded_palette_indices.bin"))
        XCTAssertEqual(Set(labels.pixels), [0, 7, 15, 255])
    }

    func testFourBitPaletteIndicesAreUnpackedNotScaled() throws {
        let labels = try ImageFile.readLabels(PillowFixtures.path("decode_palette4.png"))
        XCTAssertEqual(labels.pixels, try PillowFixtures.bytes("decoded_palette4_indices.bin"))
    }

    func testPalettePNGReadAsColourExpandsThePaletteLikeConvertRGB() throws {
        let rgb = try ImageFile.read(PillowFixtures.path("decode_palette.png"))
        XCTAssertEqual(rgb, try ImageFile.read(PillowFixtures.path("decoded_palette_rgb.png")))
    }

    func testSixteenBitPNGKeepsTheHighByte() throws {
        let gray = try ImageFile.read(PillowFixtures.path("decode_gray16.png"))
        XCTAssertEqual(gray.channels, 1)
        XCTAssertEqual(gray.pixels, try PillowFixtures.bytes("decoded_gray16_high.bin"))
    }

    func testRGBAPNGKeepsAlphaAndRGBDropsIt() throws {
        let rgba = try ImageFile.read(PillowFixtures.path("decode_rgba.png"))
        XCTAssertEqual(rgba.channels, 4)
        XCTAssertEqual(Set(stride(from: 3, to: rgba.pixels.count, by: 4).map { rgba.pixels[$0] }), [128])
        let rgb = rgba.rgb()
        XCTAssertEqual(rgb.channels, 3)
        XCTAssertEqual(rgb[5, 7, 1], rgba[5, 7, 1])
    }

    func testPNGEncodingRoundTripsRGBAndGray() throws {
        let rgb = try ImageFile.read(PillowFixtures.path("src_odd.png"))
        XCTAssertEqual(try ImageFile.decode(ImageFile.encodePNG(rgb)), rgb)
        let gray = rgb.luma()
        let dir = try TestPaths.temporaryDirectory("vtv-imaging")
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("gray.png").path
        try ImageFile.writePNG(gray, to: path)
        XCTAssertEqual(try ImageFile.read(path), gray)
    }

    func testFormatIsSniffedFromTheBytesNotTheFileName() throws {
        let dir = try TestPaths.temporaryDirectory("vtv-imaging")
        defer { try? FileManager.default.removeItem(at: dir) }
        let misnamed = dir.appendingPathComponent("actually_a_jpeg.png")
        try Data(PillowFixtures.bytes("decode_baseline.jpg")).write(to: misnamed)
        XCTAssertEqual(
            try ImageFile.read(misnamed.path), try ImageFile.read(PillowFixtures.path("decode_baseline.jpg")))
    }

    func testTruncatedJPEGThrowsCorruptErrorNamingTheFile() throws {
        let bytes = try PillowFixtures.bytes("decode_baseline.jpg")
        XCTAssertThrowsError(try ImageFile.decode(Array(bytes.prefix(bytes.count / 2)), name: "half.jpg")) { error in
            guard case ImageCodecError.corrupt(file: "half.jpg", format: "JPEG", _) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertTrue("\(error)".contains("half.jpg"))
        }
    }

    func testAJPEGWhoseHeaderClaimsMorePixelsThanPillowAcceptsIsRefusedBeforeDecoding() throws {
        // The start-of-frame segment (0xFFC0 or 0xFFC2) holds height and width after its length and precision.
        var bytes = try PillowFixtures.bytes("decode_baseline.jpg")
        let sof = (0..<bytes.count - 9).first { bytes[$0] == 0xFF && (bytes[$0 + 1] == 0xC0 || bytes[$0 + 1] == 0xC2) }!
        bytes.replaceSubrange(sof + 5..<sof + 9, with: [0x75, 0x30, 0x75, 0x30]) // 30000 x 30000
        let started = Date()
        XCTAssertThrowsError(try ImageFile.decode(bytes, name: "bomb.jpg")) { error in
            guard case ImageCodecError.unsupported(file: "bomb.jpg", format: "JPEG", let detail) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertTrue(detail.contains("30000 x 30000"), detail)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 1, "refused from the header, not after decoding")
    }

    func testCorruptPNGThrowsCorruptErrorNamingTheFile() throws {
        var bytes = try PillowFixtures.bytes("src_small.png")
        bytes[bytes.count / 2] ^= 0xFF // breaks the IDAT CRC
        XCTAssertThrowsError(try ImageFile.decode(bytes, name: "flipped.png")) { error in
            guard case ImageCodecError.corrupt(file: "flipped.png", format: "PNG", _) = error else {
                return XCTFail("unexpected \(error)")
            }
        }
        XCTAssertThrowsError(try ImageFile.decode(Array(bytes.prefix(40)), name: "short.png"))
    }

    func testBytesThatAreNeitherJPEGNorPNGThrowUnknownFormat() {
        XCTAssertThrowsError(try ImageFile.decode(Array("GIF89a....".utf8), name: "x.jpg")) { error in
            XCTAssertEqual(error as? ImageCodecError, .unknownFormat(file: "x.jpg"))
        }
    }

    func testMissingFileThrowsUnreadableNamingThePath() {
        XCTAssertThrowsError(try ImageFile.read("/nonexistent/vtv/missing.jpg")) { error in
            XCTAssertEqual(
                error as? ImageCodecError, .unreadable(file: "/nonexistent/vtv/missing.jpg", reason: "no such file"))
        }
    }

    func testColourImagesAreRejectedAsLabels() {
        XCTAssertThrowsError(try ImageFile.readLabels(PillowFixtures.path("decode_rgba.png"))) { error in
            guard case ImageCodecError.unsupported(_, "PNG", _) = error else { return XCTFail("unexpected \(error)") }
        }
        XCTAssertThrowsError(try ImageFile.readLabels(PillowFixtures.path("decode_baseline.jpg")))
    }
}
