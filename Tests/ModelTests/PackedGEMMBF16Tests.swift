import XCTest

@testable import Model

/// The bf16 packed Linear (Sources/CKernels/packed_gemm_bf16.c) against an exact emulation written
/// here from the instruction set reference: inputs rounded to bf16 (nearest, ties to even,
/// denormals to zero), each bf16 product formed exactly in fp32 (8 x 8 significant bits fit in
/// 24), and the sums in the kernel's order (per K block of 1024: for each pair, the odd element's
/// product added first, as vdpbf16ps does, then the even one's, each addition rounded; then bias
/// and the old C as the fp32 kernel's epilogue). The comparison is bit for bit, so a wrong order or
/// rounding fails (swapping the pair's order changes about half the outputs).
///
/// The packing and rounding run on every CPU. The kernel needs AVX512_BF16: without it those
/// tests are skipped (XCTSkip), and only the refusal to build bf16 weights is checked.
final class PackedGEMMBF16Tests: XCTestCase {
    private func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            // 2^20 steps in [-scale, scale): most values need more than bf16's 8 significant bits.
            return Float(Int(truncatingIfNeeded: state >> 40) % (1 << 21) - (1 << 20)) / Float(1 << 20) * scale
        }
    }

    /// x rounded to bf16, as a Float: to nearest, ties to even; zero and denormals to signed zero.
    private func bf16(_ x: Float) -> Float {
        var bits = x.bitPattern
        if bits & 0x7f80_0000 == 0 { return Float(bitPattern: bits & 0x8000_0000) }
        bits = bits &+ 0x7fff &+ ((bits >> 16) & 1)
        return Float(bitPattern: bits & 0xffff_0000)
    }

    /// An fp32 sum with denormal results flushed to zero (vdpbf16ps's FTZ).
    private func flushed(_ x: Float) -> Float { x.isSubnormal ? Float(bitPattern: x.bitPattern & 0x8000_0000) : x }

    private func requireBF16() throws {
        try XCTSkipUnless(
            BF16Runtime.isSupported,
            "this CPU lacks AVX512_BF16: only the packing and the emulation's rounding are tested")
    }

    func testRoundingIsToNearestEvenWithDenormalsToZero() {
        // Hand-computed: 1 + 2^-8 is halfway between 1 and 1 + 2^-7 and goes to the even 1;
        // 1 + 3 * 2^-8 is halfway between 1 + 2^-7 and 1 + 2^-6 and goes to the even 1 + 2^-6;
        // 1 + 2^-8 + 2^-20 is past halfway and goes up; the largest float overflows to infinity.
        let cases: [(Float, Float)] = [
            (1, 1), (1 + 0x1p-8, 1), (1 + 3 * 0x1p-8, 1 + 0x1p-6), (1 + 0x1p-8 + 0x1p-20, 1 + 0x1p-7),
            (-(1 + 0x1p-8 + 0x1p-20), -(1 + 0x1p-7)), (0x1p-130, 0), (-0x1p-130, -0.0),
            (.greatestFiniteMagnitude, .infinity), (.infinity, .infinity)
        ]
        let w = cases.map(\.0)
        var packed = [Float](
            repeating: .nan, count: PackedWeight.count(outFeatures: 1, inFeatures: w.count, precision: .bf16))
        let rounded = packed.withUnsafeMutableBufferPointer {
            PackedWeight.pack(w, outFeatures: 1, inFeatures: w.count, into: $0.baseAddress!, precision: .bf16)
                .unpacked()
        }
        for (i, (x, expected)) in cases.enumerated() {
            XCTAssertEqual(rounded[i].bitPattern, expected.bitPattern, "bf16(\(x))")
            XCTAssertEqual(bf16(x).bitPattern, expected.bitPattern, "the emulation's bf16(\(x))")
        }
        XCTAssertTrue(
            packed.withUnsafeMutableBufferPointer {
                PackedWeight.pack([.nan], outFeatures: 1, inFeatures: 1, into: $0.baseAddress!, precision: .bf16)
                    .unpacked()[0].isNaN
            })
    }

    func testPackingHalvesTheBytesAndPairsAlongTheInputFeatures() {
        let outFeatures = 37, inFeatures = 5
        let w = values(outFeatures * inFeatures, seed: 4)
        // 2 panels of 32 columns, 3 pairs (the last one padded with a zero), one word per pair.
        XCTAssertEqual(PackedWeight.count(outFeatures: outFeatures, inFeatures: inFeatures, precision: .bf16), 64 * 3)
        XCTAssertEqual(
            PackedWeight.count(outFeatures: 1024, inFeatures: 4096, precision: .bf16) * 2,
            PackedWeight.count(outFeatures: 1024, inFeatures: 4096))
        var packed = [Float](repeating: .nan, count: 64 * 3)
        let weight = packed.withUnsafeMutableBufferPointer {
            PackedWeight.pack(
                w, outFeatures: outFeatures, inFeatures: inFeatures, into: $0.baseAddress!, precision: .bf16)
        }
        XCTAssertEqual(weight.precision, .bf16)
        let words = packed.map(\.bitPattern)
        func half(_ x: Float) -> UInt32 { bf16(x).bitPattern >> 16 }
        // Panel 0, pair 1, column 3: w[3][2] in the low half, w[3][3] in the high half.
        XCTAssertEqual(words[1 * 32 + 3], half(w[3 * 5 + 2]) | half(w[3 * 5 + 3]) << 16)
        // Pair 2 holds input feature 4 and a zero; column 5 of panel 1 (output 37) is padding.
        XCTAssertEqual(words[2 * 32 + 3], half(w[3 * 5 + 4]))
        XCTAssertEqual(words[96 + 1 * 32 + 5], 0)
        packed.withUnsafeMutableBufferPointer { buffer in
            let weight = PackedWeight(
                values: buffer.baseAddress!, outFeatures: outFeatures, inFeatures: inFeatures,
                precision: .bf16)
            XCTAssertEqual(weight.unpacked(), w.map(bf16))
        }
    }

    /// y = [y +] bias + x w^T, GELU optionally, through packedGEMM with bf16 panels and `threads`
    /// workers, against the emulation, bit for bit.
    private func check(
        rows: Int, inFeatures: Int, outFeatures: Int, extraLeading: Int = 0, threads: Int = 1,
        accumulate: Bool = false, withBias: Bool = true, withGELU: Bool = false, scale: Float = 1,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let ldx = inFeatures + extraLeading, ldy = outFeatures + extraLeading
        let x = values(rows * ldx, seed: UInt64(rows * 7 + inFeatures), scale: scale)
        let w = values(outFeatures * inFeatures, seed: UInt64(outFeatures * 3 + 1), scale: 0.5)
        let bias = values(outFeatures, seed: 9), start = values(rows * ldy, seed: 10)
        var packed = [Float](
            repeating: .nan,
            count: PackedWeight.count(
                outFeatures: outFeatures, inFeatures: inFeatures,
                precision: .bf16))
        var y = start
        let saved = BLASRuntime.threads
        BLASRuntime.threads = threads
        defer { BLASRuntime.threads = saved }
        packed.withUnsafeMutableBufferPointer { p in
            let weight = PackedWeight.pack(
                w, outFeatures: outFeatures, inFeatures: inFeatures, into: p.baseAddress!,
                precision: .bf16)
            y.withUnsafeMutableBufferPointer { yp in
                bias.withUnsafeBufferPointer { b in
                    packedGEMM(
                        x, rows: rows, ldx: ldx, weight: weight, into: yp.baseAddress!, ldy: ldy,
                        bias: withBias ? b.baseAddress! : nil, accumulate: accumulate, gelu: withGELU)
                }
            }
        }
        let xr = x.map(bf16), wr = w.map(bf16)
        var expected = start
        var mismatches = 0
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var c = start[r * ldy + o]
                var k0 = 0
                while k0 < inFeatures {
                    let kc = min(1024, inFeatures - k0)
                    var s: Float = 0
                    var k = k0
                    while k < k0 + kc {
                        if k + 1 < inFeatures {
                            s = flushed(s + xr[r * ldx + k + 1] * wr[o * inFeatures + k + 1])
                        } else {
                            s = flushed(s + 0)
                        }
                        s = flushed(s + xr[r * ldx + k] * wr[o * inFeatures + k])
                        k += 2
                    }
                    if k0 == 0 {
                        // The fused epilogue's order: C = bias (or C + bias), then C += the sum.
                        if withBias {
                            c = accumulate ? (c + bias[o]) + s : bias[o] + s
                        } else {
                            c = accumulate ? c + s : s
                        }
                    } else {
                        c = c + s
                    }
                    k0 += kc
                }
                expected[r * ldy + o] = c
            }
            if withGELU {
                expected.withUnsafeMutableBufferPointer { gelu($0.baseAddress! + r * ldy, count: outFeatures) }
            }
            for o in 0..<ldy where y[r * ldy + o].bitPattern != expected[r * ldy + o].bitPattern {
                if mismatches < 3 {
                    XCTFail(
                        "row \(r) column \(o): kernel \(y[r * ldy + o]), emulation \(expected[r * ldy + o]) (rows \(rows), "
                            + "in \(inFeatures), out \(outFeatures))", file: file, line: line)
                }
                mismatches += 1
            }
        }
        XCTAssertEqual(
            mismatches, 0, "rows \(rows), in \(inFeatures), out \(outFeatures), threads \(threads)", file: file,
            line: line)
    }

    func testEveryRowCountOfATileAndOddShapesMatchTheEmulation() throws {
        try requireBF16()
        for rows in 1...30 {
            check(rows: rows, inFeatures: 37, outFeatures: 45)
        }
        check(rows: 3, inFeatures: 1, outFeatures: 1)
        check(rows: 17, inFeatures: 33, outFeatures: 70, extraLeading: 3)
    }

    func testSeveralKBlocksWithAnOddLastOneMatchTheEmulation() throws {
        try requireBF16()
        check(rows: 20, inFeatures: 2101, outFeatures: 40)
        check(rows: 5, inFeatures: 1025, outFeatures: 33, accumulate: true)
    }

    func testRowBlocksThreadsAndTheFusedEpilogueMatchTheEmulation() throws {
        try requireBF16()
        check(rows: 130, inFeatures: 100, outFeatures: 64, threads: 2)
        for accumulate in [false, true] {
            for withBias in [false, true] {
                for withGELU in [false, true] {
                    check(
                        rows: 29, inFeatures: 70, outFeatures: 45, extraLeading: 5, accumulate: accumulate,
                        withBias: withBias, withGELU: withGELU)
                }
            }
        }
    }

    /// Activations far outside [-1, 1] (a residual stream's scale): the rounding is relative.
    func testLargeActivationsMatchTheEmulation() throws {
        try requireBF16()
        check(rows: 14, inFeatures: 300, outFeatures: 32, scale: 300)
    }

    func testBF16IsRefusedWhereTheCPULacksTheInstruction() {
        XCTAssertThrowsError(try LinearPrecision.bf16.checkSupported(bf16Supported: false)) { error in
            XCTAssertEqual(error as? LinearPrecisionError, .bf16Unsupported)
            XCTAssertTrue("\(error)".contains("AVX512_BF16"))
        }
        XCTAssertNoThrow(try LinearPrecision.fp32.checkSupported(bf16Supported: false))
        if !BF16Runtime.isSupported {
            XCTAssertThrowsError(
                try ModelWeights(configuration: .tiny, parts: .mae, arena: PrivateWeightArena(), precision: .bf16) {
                    (ModelConfiguration.tiny.initialMAEWeights(seed: 0), "")
                })
        }
    }

    /// The tiny MAE with bf16 Linears: half the packed bytes, and logits within bf16's rounding of
    /// the fp32 model's (relative 2^-8 per input, so a few 1e-2 at most on the tiny model's logits).
    func testTheTinyModelInBF16StaysCloseToFP32() throws {
        try requireBF16()
        let configuration = ModelConfiguration.tiny
        func model(_ precision: LinearPrecision) throws -> (MAEModel, ModelWeights) {
            let weights = try ModelWeights(
                configuration: configuration, parts: .mae, arena: PrivateWeightArena(),
                precision: precision
            ) { (configuration.initialMAEWeights(seed: 3), "") }
            return (try MAEModel(configuration: configuration, weights: weights), weights)
        }
        let (fp32, fp32Weights) = try model(.fp32), (bf16, bf16Weights) = try model(.bf16)
        XCTAssertEqual(bf16Weights.precision, .bf16)
        XCTAssertLessThan(
            abs(Double(bf16Weights.packedLinearBytes) * 2 - Double(fp32Weights.packedLinearBytes)),
            0.05 * Double(fp32Weights.packedLinearBytes))
        let side = configuration.imageSize
        let canvas = values(3 * side * side, seed: 11).map { ($0 + 1) / 2 }
        let a = try fp32.forward([MAESample(canvas: canvas, mode: .oneShot)]).logits(of: 0).values
        let b = try bf16.forward([MAESample(canvas: canvas, mode: .oneShot)]).logits(of: 0).values
        XCTAssertEqual(a.count, b.count)
        let worst = zip(a, b).map { abs($0 - $1) }.max()!
        XCTAssertGreaterThan(worst, 0, "bf16 rounding must change something")
        XCTAssertLessThan(worst, 0.05)
    }
}
