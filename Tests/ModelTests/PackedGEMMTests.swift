import XCTest
@testable import Model

/// The packed small-row GEMM (Sources/CKernels/packed_gemm.c, `packedGEMM`) against a Double
/// reference, over the shapes its blocking has edges at: row tiles (14 rows with AVX-512), row
/// blocks (768), K blocks (256), partial 32-column panels, leading dimensions wider than the
/// matrices, and rows split between threads.
final class PackedGEMMTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(truncatingIfNeeded: state >> 41) % 2001 - 1000) / 1000
        }
    }

    /// y += x w^T through packedGEMM with `threads` workers; checks every element against Double.
    private func check(rows: Int, inFeatures: Int, outFeatures: Int, ldx: Int, ldy: Int, threads: Int,
                       file: StaticString = #filePath, line: UInt = #line) {
        let x = values(rows * ldx, seed: 1), w = values(outFeatures * inFeatures, seed: 2)
        let start = values(rows * ldy, seed: 3)
        var y = start
        var packed = [Float](repeating: .nan, count: PackedWeight.count(outFeatures: outFeatures, inFeatures: inFeatures))
        let saved = BLASRuntime.threads
        BLASRuntime.threads = threads
        defer { BLASRuntime.threads = saved }
        packed.withUnsafeMutableBufferPointer { buffer in
            let weight = PackedWeight.pack(w, outFeatures: outFeatures, inFeatures: inFeatures, into: buffer.baseAddress!)
            y.withUnsafeMutableBufferPointer { packedGEMM(x, rows: rows, ldx: ldx, weight: weight, into: $0.baseAddress!, ldy: ldy) }
        }
        var worst = 0.0
        for r in 0..<rows {
            for o in 0..<ldy {
                var expected = Double(start[r * ldy + o])
                if o < outFeatures {
                    for i in 0..<inFeatures { expected += Double(x[r * ldx + i]) * Double(w[o * inFeatures + i]) }
                    worst = max(worst, abs(Double(y[r * ldy + o]) - expected) / (1 + abs(expected)))
                } else {
                    XCTAssertEqual(y[r * ldy + o], start[r * ldy + o], "column \(o) past the output must stay untouched",
                                   file: file, line: line)
                }
            }
        }
        XCTAssertLessThan(worst, 1e-5, "rows \(rows), in \(inFeatures), out \(outFeatures), threads \(threads)",
                          file: file, line: line)
    }

    func testOneRowAndTileEdges() {
        for rows in [1, 2, 3, 4, 13, 14, 15, 25, 28, 29, 50] {
            check(rows: rows, inFeatures: 40, outFeatures: 64, ldx: 40, ldy: 64, threads: 1)
        }
    }

    func testPartialPanelsAndWiderLeadingDimensions() {
        check(rows: 17, inFeatures: 33, outFeatures: 37, ldx: 35, ldy: 41, threads: 1)
        check(rows: 3, inFeatures: 5, outFeatures: 1, ldx: 5, ldy: 3, threads: 1)
    }

    func testSeveralKBlocksIncludingAPartialOne() {
        check(rows: 20, inFeatures: 600, outFeatures: 96, ldx: 600, ldy: 96, threads: 1)
    }

    func testMoreRowsThanOneRowBlock() {
        check(rows: 800, inFeatures: 24, outFeatures: 40, ldx: 24, ldy: 40, threads: 1)
    }

    func testRowsSplitBetweenThreadsGiveTheSameResult() {
        check(rows: 50, inFeatures: 300, outFeatures: 70, ldx: 300, ldy: 70, threads: 2)
        check(rows: 99, inFeatures: 64, outFeatures: 32, ldx: 64, ldy: 32, threads: 3)
    }

    func testPackingRoundTripsAndPadsWithZeros() {
        let w = values(37 * 5, seed: 4)
        var packed = [Float](repeating: .nan, count: PackedWeight.count(outFeatures: 37, inFeatures: 5))
        XCTAssertEqual(packed.count, 64 * 5)
        packed.withUnsafeMutableBufferPointer { buffer in
            let weight = PackedWeight.pack(w, outFeatures: 37, inFeatures: 5, into: buffer.baseAddress!)
            XCTAssertEqual(weight.panels, 2)
            XCTAssertEqual(weight.unpacked(), w)
        }
        // Panel 0, step 2, column 3 holds w[3][2]; panel 1 column 5 (output 37) is padding.
        XCTAssertEqual(packed[2 * 32 + 3], w[3 * 5 + 2])
        XCTAssertEqual(packed[5 * 32 + 0 * 32 + 5], 0)
    }
}
