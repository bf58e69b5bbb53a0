import XCTest

@testable import Model

/// The packed small-row GEMM (Sources/CKernels/packed_gemm.c, `packedGEMM`) against a Double
/// reference, over the shapes its blocking has edges at: row tiles (14 rows with AVX-512), row
/// blocks (56), K blocks (1024), partial 32-column panels, leading dimensions wider than the
/// matrices, and rows split between threads; and that a row's result does not depend on the
/// rows computed with it (a sample's logits must not depend on its batch).
final class PackedGEMMTests: XCTestCase {
    private func values(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int(truncatingIfNeeded: state >> 41) % 2001 - 1000) / 1000
        }
    }

    /// Runs `body` on w [outFeatures, inFeatures] packed, with `threads` BLAS threads (restored after).
    private func withPacked(
        _ w: [Float], outFeatures: Int, inFeatures: Int, threads: Int,
        _ body: (PackedWeight) -> Void
    ) {
        var packed = [Float](
            repeating: .nan, count: PackedWeight.count(outFeatures: outFeatures, inFeatures: inFeatures))
        let saved = BLASRuntime.threads
        BLASRuntime.threads = threads
        defer { BLASRuntime.threads = saved }
        packed.withUnsafeMutableBufferPointer { buffer in
            body(PackedWeight.pack(w, outFeatures: outFeatures, inFeatures: inFeatures, into: buffer.baseAddress!))
        }
    }

    /// y += x w^T through packedGEMM with `threads` workers; checks every element against Double.
    private func check(
        rows: Int, inFeatures: Int, outFeatures: Int, ldx: Int, ldy: Int, threads: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let x = values(rows * ldx, seed: 1), w = values(outFeatures * inFeatures, seed: 2)
        let start = values(rows * ldy, seed: 3)
        var y = start
        withPacked(w, outFeatures: outFeatures, inFeatures: inFeatures, threads: threads) { weight in
            y.withUnsafeMutableBufferPointer {
                packedGEMM(x, rows: rows, ldx: ldx, weight: weight, into: $0.baseAddress!, ldy: ldy)
            }
        }
        var worst = 0.0
        for r in 0..<rows {
            for o in 0..<ldy {
                var expected = Double(start[r * ldy + o])
                if o < outFeatures {
                    // Float rounding grows with the sum of the terms' magnitudes, not with the result.
                    var magnitude = abs(expected)
                    for i in 0..<inFeatures {
                        let term = Double(x[r * ldx + i]) * Double(w[o * inFeatures + i])
                        expected += term
                        magnitude += abs(term)
                    }
                    worst = max(worst, abs(Double(y[r * ldy + o]) - expected) / (1 + magnitude))
                } else {
                    XCTAssertEqual(
                        y[r * ldy + o], start[r * ldy + o], "column \(o) past the output must stay untouched",
                        file: file, line: line)
                }
            }
        }
        XCTAssertLessThan(
            worst, 1e-5, "rows \(rows), in \(inFeatures), out \(outFeatures), threads \(threads)",
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
        check(rows: 20, inFeatures: 2100, outFeatures: 96, ldx: 2100, ldy: 96, threads: 1)
    }

    func testMoreRowsThanOneRowBlock() {
        check(rows: 800, inFeatures: 24, outFeatures: 40, ldx: 24, ldy: 40, threads: 1)
        check(rows: 57, inFeatures: 24, outFeatures: 40, ldx: 24, ldy: 40, threads: 1)
    }

    /// Bit for bit: rows computed among 800 others (several row blocks and K blocks, two threads)
    /// equal the same rows computed alone, one at a time and in a block of 13.
    func testARowsResultDoesNotDependOnTheRowsAroundIt() {
        let rows = 800, inFeatures = 1100, outFeatures = 40
        let x = values(rows * inFeatures, seed: 5), w = values(outFeatures * inFeatures, seed: 6)
        func product(firstRow: Int, count: Int, threads: Int) -> [Float] {
            var y = [Float](repeating: 0.25, count: count * outFeatures)
            withPacked(w, outFeatures: outFeatures, inFeatures: inFeatures, threads: threads) { weight in
                x.withUnsafeBufferPointer { xs in
                    y.withUnsafeMutableBufferPointer {
                        packedGEMM(
                            xs.baseAddress! + firstRow * inFeatures, rows: count, ldx: inFeatures, weight: weight,
                            into: $0.baseAddress!, ldy: outFeatures)
                    }
                }
            }
            return y
        }
        let all = product(firstRow: 0, count: rows, threads: 2)
        for row in [0, 13, 56, 399, 799] {
            XCTAssertEqual(
                product(firstRow: row, count: 1, threads: 1), Array(all[row * outFeatures..<(row + 1) * outFeatures]),
                "row \(row) alone")
        }
        let block = product(firstRow: 500, count: 13, threads: 1)
        XCTAssertEqual(block, Array(all[500 * outFeatures..<513 * outFeatures]), "rows 500..<513 as a block of 13")
    }

    func testRowsSplitBetweenThreadsGiveTheSameResult() {
        check(rows: 50, inFeatures: 300, outFeatures: 70, ldx: 300, ldy: 70, threads: 2)
        check(rows: 99, inFeatures: 64, outFeatures: 32, ldx: 64, ldy: 32, threads: 3)
    }

    /// The fused Linear (bias, residual and GELU applied as tiles are stored) against the separate
    /// passes it replaces, bit for bit: over one and several K blocks, a partial panel, wider
    /// leading dimensions and two threads.
    func testTheFusedLinearEqualsTheSeparatePassesBitForBit() {
        for (rows, inFeatures, outFeatures, threads) in [(29, 70, 45, 1), (60, 2100, 64, 2), (5, 1024, 33, 1)] {
            let ldx = inFeatures + 3, ldy = outFeatures + 5
            let x = values(rows * ldx, seed: 7), w = values(outFeatures * inFeatures, seed: 8)
            let bias = values(outFeatures, seed: 9), start = values(rows * ldy, seed: 10)
            withPacked(w, outFeatures: outFeatures, inFeatures: inFeatures, threads: threads) { weight in
                for accumulate in [false, true] {
                    for withGELU in [false, true] {
                        // Separate passes: y = bias (or y + bias), y += x w^T, then GELU.
                        var separate = start
                        for r in 0..<rows {
                            for o in 0..<outFeatures {
                                separate[r * ldy + o] = accumulate ? separate[r * ldy + o] + bias[o] : bias[o]
                            }
                        }
                        separate.withUnsafeMutableBufferPointer { y in
                            packedGEMM(x, rows: rows, ldx: ldx, weight: weight, into: y.baseAddress!, ldy: ldy)
                            if withGELU {
                                for r in 0..<rows { gelu(y.baseAddress! + r * ldy, count: outFeatures) }
                            }
                        }
                        var fused = start
                        fused.withUnsafeMutableBufferPointer { y in
                            bias.withUnsafeBufferPointer { b in
                                linear(
                                    x, rows: rows, ldx: ldx, weight: weight, bias: b.baseAddress!, into: y.baseAddress!,
                                    ldy: ldy, accumulate: accumulate, gelu: withGELU)
                            }
                        }
                        XCTAssertEqual(
                            fused.map(\.bitPattern), separate.map(\.bitPattern),
                            "rows \(rows), in \(inFeatures), out \(outFeatures), accumulate \(accumulate), GELU \(withGELU)"
                        )
                    }
                }
            }
        }
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
