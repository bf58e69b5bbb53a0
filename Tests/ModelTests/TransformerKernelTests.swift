import Foundation
import Randomness
import XCTest

@testable import Model

/// Each transformer kernel against a direct transcription of the PyTorch operation it
/// replaces, computed in Double on small random inputs.
final class TransformerKernelTests: XCTestCase {
    private func random(_ count: Int, stream: UInt64, scale: Float = 1) -> [Float] {
        let r = RandomStream(seed: 11, stream: stream)
        return (0..<count).map { r.uniform(UInt64($0), -scale, scale) }
    }

    func testTheErfApproximationAgreesWithGlibcErffEverywhere() {
        var worst: Float = 0
        for i in -100_000...100_000 {
            let x = Float(i) * 1e-4
            worst = max(worst, abs(erfApproximation(x) - erff(x)))
        }
        XCTAssertLessThan(worst, 5e-7)
        XCTAssertEqual(erfApproximation(30), 1)
        XCTAssertEqual(erfApproximation(-.infinity), -1)
    }

    func testTheExpApproximationAgreesWithGlibcExpfAndUnderflowsToZero() {
        var worst: Float = 0
        for i in -87_000...88_000 {
            let x = Float(i) * 1e-3
            worst = max(worst, abs(expApproximation(x) - expf(x)) / expf(x))
        }
        XCTAssertLessThan(worst, 3e-7)
        XCTAssertEqual(expApproximation(-.infinity), 0)
        XCTAssertEqual(expApproximation(-100), 0)
        XCTAssertEqual(expApproximation(0), 1)
    }

    func testGELUIsTheExactErfForm() {
        var x = random(100, stream: 1, scale: 6)
        let expected = x.map { v in 0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot())) }
        x.withUnsafeMutableBufferPointer { gelu($0.baseAddress!, count: 100) }
        for i in x.indices { XCTAssertEqual(Double(x[i]), expected[i], accuracy: 1e-6) }
    }

    func testTheClonedCGELUComputesTheSwiftFormula() {
        // vtv_gelu runs the AVX-512, AVX2 or baseline clone of this CPU; each must give the
        // documented formula (geluValue) up to the rounding of fused multiply-adds, including
        // the clamped tails and a length that leaves a vector remainder.
        var x = (-120_000...120_000).map { Float($0) * 1e-4 } + [-.infinity, .infinity, 0, -0.0]
        let expected = x.map(geluValue)
        x.withUnsafeMutableBufferPointer { gelu($0.baseAddress!, count: $0.count) }
        // Fused multiply-adds in the erf polynomials: 1.17e-6 at worst measured on AVX-512.
        let worst = zip(x, expected).map { abs($0 - $1) / max(1, abs($1)) }.filter { !$0.isNaN }.max()!
        XCTAssertLessThan(worst, 2e-6)
        XCTAssertEqual(x[x.count - 3], .infinity)
        XCTAssertEqual(x[x.count - 2], 0)
    }

    func testLayerNormMatchesTheBiasedVarianceDefinition() {
        let rows = 3, width = 37
        let x = random(rows * width, stream: 2, scale: 3), w = random(width, stream: 3), b = random(width, stream: 4)
        var y = [Float](repeating: 0, count: rows * width)
        layerNorm(x, rows: rows, width: width, weight: w, bias: b, eps: 1e-6, into: &y)
        for r in 0..<rows {
            let row = x[r * width..<(r + 1) * width].map(Double.init)
            let mean = row.reduce(0, +) / Double(width)
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(width)
            for j in 0..<width {
                let expected = (row[j] - mean) / (variance + 1e-6).squareRoot() * Double(w[j]) + Double(b[j])
                XCTAssertEqual(Double(y[r * width + j]), expected, accuracy: 1e-5)
            }
        }
    }

    func testSoftmaxScalesThenNormalizesEachRow() {
        let rows = 4, columns = 21, ld = 24
        var x = random(rows * ld, stream: 5, scale: 10)
        let original = x
        x.withUnsafeMutableBufferPointer {
            softmaxRows($0.baseAddress!, rows: rows, columns: columns, ld: ld, scale: 0.25)
        }
        for r in 0..<rows {
            let scaled = (0..<columns).map { Double(original[r * ld + $0]) * 0.25 }
            let top = scaled.max()!
            let total = scaled.map { exp($0 - top) }.reduce(0, +)
            for j in 0..<columns { XCTAssertEqual(Double(x[r * ld + j]), exp(scaled[j] - top) / total, accuracy: 1e-6) }
            for j in columns..<ld { XCTAssertEqual(x[r * ld + j], original[r * ld + j], "padding must be untouched") }
        }
    }

    func testLinearComputesXWTransposePlusBiasAndCanAccumulate() {
        // 37 outputs: one full panel of 32 and a partial one; 29 rows: several row tiles.
        let rows = 29, inFeatures = 6, outFeatures = 37
        let x = random(rows * inFeatures, stream: 6), w = random(outFeatures * inFeatures, stream: 7)
        let b = random(outFeatures, stream: 8), start = random(rows * outFeatures, stream: 9)
        var packed = [Float](
            repeating: .nan, count: PackedWeight.count(outFeatures: outFeatures, inFeatures: inFeatures))
        var y = start, z = start
        packed.withUnsafeMutableBufferPointer { buffer in
            let weight = PackedWeight.pack(
                w, outFeatures: outFeatures, inFeatures: inFeatures, into: buffer.baseAddress!)
            XCTAssertEqual(weight.unpacked(), w)
            linear(x, rows: rows, weight: weight, bias: b, into: &y, accumulate: true)
            linear(x, rows: rows, weight: weight, bias: b, into: &z)
        }
        for r in 0..<rows {
            for o in 0..<outFeatures {
                var dot = Double(b[o])
                for i in 0..<inFeatures { dot += Double(x[r * inFeatures + i]) * Double(w[o * inFeatures + i]) }
                XCTAssertEqual(Double(z[r * outFeatures + o]), dot, accuracy: 1e-5)
                XCTAssertEqual(Double(y[r * outFeatures + o]), dot + Double(start[r * outFeatures + o]), accuracy: 1e-5)
            }
        }
    }

    func testAttentionHeadOutputsMatchTheDefinitionPerHead() {
        let tokens = 7, width = 12, heads = 3, hw = 4
        let qkv = random(tokens * 3 * width, stream: 10, scale: 2)
        var o = [Float](repeating: 0, count: tokens * width)
        var scores = [Float](repeating: 0, count: tokens * tokens)
        attentionHeadOutputs(qkv: qkv, tokens: tokens, width: width, heads: heads, scores: &scores, into: &o)
        func q(_ t: Int, _ h: Int, _ j: Int) -> Double { Double(qkv[t * 3 * width + h * hw + j]) }
        func k(_ t: Int, _ h: Int, _ j: Int) -> Double { Double(qkv[t * 3 * width + width + h * hw + j]) }
        func v(_ t: Int, _ h: Int, _ j: Int) -> Double { Double(qkv[t * 3 * width + 2 * width + h * hw + j]) }
        for h in 0..<heads {
            for t in 0..<tokens {
                var s = [Double](repeating: 0, count: tokens)
                for u in 0..<tokens {
                    for j in 0..<hw { s[u] += q(t, h, j) * k(u, h, j) }
                    s[u] /= Double(hw).squareRoot()
                }
                let top = s.max()!
                let p = s.map { exp($0 - top) }
                let total = p.reduce(0, +)
                for j in 0..<hw {
                    var expected = 0.0
                    for u in 0..<tokens { expected += p[u] / total * v(u, h, j) }
                    XCTAssertEqual(Double(o[t * width + h * hw + j]), expected, accuracy: 1e-5)
                }
            }
        }
    }

    func testHeadsSplitBetweenThreadsGiveTheSameOutputs() {
        let tokens = 9, width = 20, heads = 5
        let qkv = random(tokens * 3 * width, stream: 11, scale: 2)
        var single = [Float](repeating: 0, count: tokens * width)
        var split = single
        var scores = [Float](repeating: 0, count: 3 * tokens * tokens)
        attentionHeadOutputs(qkv: qkv, tokens: tokens, width: width, heads: heads, scores: &scores, into: &single)
        let saved = BLASRuntime.threads
        BLASRuntime.threads = 3
        attentionHeadOutputs(
            qkv: qkv, tokens: tokens, width: width, heads: heads, scores: &scores, scoreSlots: 3,
            into: &split)
        XCTAssertEqual(BLASRuntime.threads, 3, "the BLAS thread count is restored")
        BLASRuntime.threads = saved
        XCTAssertEqual(split, single)
    }

    func testPatchGatheringNormalizesWithImageNetStatisticsInConvWeightOrder() {
        let side = 32, patch = 16
        let canvas = (0..<(3 * side * side)).map { Float($0 % 251) / 250 }
        var patches = [Float](repeating: 0, count: 2 * 3 * patch * patch)
        [3, 1].withUnsafeBufferPointer {
            gatherNormalizedPatches(canvas: canvas, side: side, patch: patch, positions: $0, into: &patches)
        }
        let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
        // Row 0 is grid position 3 (row 1, col 1); element (c, y, x) is canvas[c, 16 + y, 16 + x].
        for (c, y, x) in [(0, 0, 0), (1, 5, 9), (2, 15, 15)] {
            let value = canvas[(c * side + 16 + y) * side + 16 + x]
            XCTAssertEqual(patches[(c * patch + y) * patch + x], (value - mean[c]) / std[c])
            let second = canvas[(c * side + y) * side + 16 + x] // grid position 1: row 0, col 1
            XCTAssertEqual(patches[3 * patch * patch + (c * patch + y) * patch + x], (second - mean[c]) / std[c])
        }
    }
}
