import Randomness
import XCTest

@testable import Model

/// Each VQGAN kernel against a direct loop transcription of the PyTorch operation it replaces
/// (the definitions in torch.nn.functional / taming's modules), on small random inputs.
final class VQGANKernelTests: XCTestCase {
    private func random(_ count: Int, stream: UInt64, scale: Float = 1) -> [Float] {
        let r = RandomStream(seed: 7, stream: stream)
        return (0..<count).map { r.uniform(UInt64($0), -scale, scale) }
    }

    private func assertClose(
        _ a: [Float], _ b: [Float], tolerance: Float = 1e-4,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(a.count, b.count, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, file: file, line: line)
    }

    /// Direct convolution: x [batch, cIn, h, w], weight [cOut, cIn, k, k]; input padded by
    /// `padTop` top/left and `padBottom` bottom/right, then stride `stride`.
    private func directConv(
        _ x: [Float], batch: Int, cIn: Int, h: Int, w: Int, weight: [Float], bias: [Float],
        cOut: Int, k: Int, stride: Int, padTop: Int, padBottom: Int
    ) -> [Float] {
        let oh = (h + padTop + padBottom - k) / stride + 1, ow = (w + padTop + padBottom - k) / stride + 1
        var y = [Float](repeating: 0, count: batch * cOut * oh * ow)
        for n in 0..<batch {
            for co in 0..<cOut {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var s = bias[co]
                        for ci in 0..<cIn {
                            for ky in 0..<k {
                                for kx in 0..<k {
                                    let iy = oy * stride + ky - padTop, ix = ox * stride + kx - padTop
                                    if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                                    s +=
                                        weight[((co * cIn + ci) * k + ky) * k + kx]
                                        * x[((n * cIn + ci) * h + iy) * w + ix]
                                }
                            }
                        }
                        y[((n * cOut + co) * oh + oy) * ow + ox] = s
                    }
                }
            }
        }
        return y
    }

    func testTheClonedCAffineAndSwishComputeTheSwiftFormulas() {
        // vtv_affine (the GroupNorm epilogue) against swishValue, over 1001 values (a vector
        // remainder) including large inputs where e^-v under- or overflows.
        let x = (0...1000).map { Float($0 - 500) * 0.25 }
        for swish in [false, true] {
            var y = [Float](repeating: .nan, count: x.count)
            affine(x, &y, count: x.count, scale: 0.75, shift: -0.5, swish: swish)
            let expected = x.map { swish ? swishValue($0 * 0.75 - 0.5) : $0 * 0.75 - 0.5 }
            let worst = zip(y, expected).map { abs($0 - $1) / max(1, abs($1)) }.max()!
            XCTAssertLessThan(worst, 1e-6, "swish \(swish)")
        }
    }

    /// Stride-1 3x3 convolution through the production path: zero-bordered copy (or the fused
    /// nearest 2x enlargement), then Winograd F(2x2, 3x3). x: [batch, cIn, h, w] (half with
    /// `upsample`); y: [batch, cOut, h, w], added to when `accumulate`.
    private func winogradConv(
        _ x: [Float], _ y: inout [Float], batch: Int, cIn: Int, cOut: Int, h: Int, w: Int,
        weight: [Float], bias: [Float], accumulate: Bool = false, upsample: Bool = false
    ) {
        let u = winogradWeights(weight, cOut: cOut, cIn: cIn)
        var padded = [Float](repeating: .nan, count: cIn * (h + 2) * (w + 2))
        var scratch = [Float](repeating: .nan, count: winogradWorkspaceCount(cIn: cIn, cOut: cOut, height: h, width: w))
        let inPixels = upsample ? (h / 2) * (w / 2) : h * w
        for n in 0..<batch {
            x.withUnsafeBufferPointer { src in
                if upsample {
                    upsampleNearest2x(
                        src.baseAddress! + n * cIn * inPixels, &padded, planes: cIn, height: h / 2, width: w / 2,
                        border: 1)
                } else {
                    padPlanes(
                        src.baseAddress! + n * cIn * inPixels, &padded, planes: cIn, height: h, width: w, border: 1)
                }
            }
            y.withUnsafeMutableBufferPointer { out in
                conv3x3Winograd(
                    padded, out.baseAddress! + n * cOut * h * w, cIn: cIn, cOut: cOut, height: h, width: w,
                    u: u, bias: bias, accumulate: accumulate, workspace: &scratch)
            }
        }
    }

    func testWinogradConv3x3MatchesADirectConvolutionOnABatchOfEvenAndOddSizes() {
        // Even sides take the tiled path directly; odd ones go through an even-sided copy.
        for (h, w) in [(8, 6), (9, 6), (8, 7), (5, 5), (1, 1), (2, 3)] {
            let (batch, cIn, cOut) = (2, 5, 7)
            let x = random(batch * cIn * h * w, stream: 1)
            let weight = random(cOut * cIn * 9, stream: 2), bias = random(cOut, stream: 3)
            var y = [Float](repeating: .nan, count: batch * cOut * h * w)
            winogradConv(x, &y, batch: batch, cIn: cIn, cOut: cOut, h: h, w: w, weight: weight, bias: bias)
            assertClose(
                y,
                directConv(
                    x, batch: batch, cIn: cIn, h: h, w: w, weight: weight, bias: bias,
                    cOut: cOut, k: 3, stride: 1, padTop: 1, padBottom: 1))
        }
    }

    func testWinogradWeightsAreGgGTransposedPerFilter() {
        // A filter with a single 1 at (ky, kx) transforms to the outer product of G's columns.
        let g: [[Float]] = [[1, 0, 0], [0.5, 0.5, 0.5], [0.5, -0.5, 0.5], [0, 0, 1]]
        for ky in 0..<3 {
            for kx in 0..<3 {
                var weight = [Float](repeating: 0, count: 9)
                weight[ky * 3 + kx] = 1
                let u = winogradWeights(weight, cOut: 1, cIn: 1)
                for r in 0..<4 { for c in 0..<4 { XCTAssertEqual(u[r * 4 + c], g[r][ky] * g[c][kx]) } }
            }
        }
    }

    func testWinogradConv3x3SplitsTallImagesIntoBandsAndWorkersWithoutSeams() {
        // 300 x 30 with many channels needs several bands; 3 BLAS threads give 3 workers with
        // uneven shares of tile rows. The result must match one worker and the direct loop, and
        // the BLAS thread count must come back.
        checkBandsAndWorkers(cIn: 3, cOut: 300, h: 300, w: 30)
    }

    func testWinogradConv3x3WithFewChannelsUsesSmallerBandsWithoutSeams() {
        // Below 128 channels bands are 8x smaller (V and M stay in L2): 96 x 64 at 24 channels
        // already takes three bands.
        XCTAssertEqual(winogradBandRows(cIn: 16, cOut: 24, tilesX: 32, tilesY: 48), 21)
        XCTAssertEqual(winogradBandRows(cIn: 128, cOut: 24, tilesX: 32, tilesY: 48), 32)
        checkBandsAndWorkers(cIn: 16, cOut: 24, h: 96, w: 64)
    }

    private func checkBandsAndWorkers(cIn: Int, cOut: Int, h: Int, w: Int) {
        let saved = BLASRuntime.threads
        defer { BLASRuntime.threads = saved }
        XCTAssertLessThan(winogradBandRows(cIn: cIn, cOut: cOut, tilesX: w / 2, tilesY: h / 2), h / 2)
        let x = random(cIn * h * w, stream: 4)
        let weight = random(cOut * cIn * 9, stream: 5), bias = random(cOut, stream: 6)
        let residual = random(cOut * h * w, stream: 7)
        func run(threads: Int) -> [Float] {
            BLASRuntime.threads = threads
            var y = residual
            winogradConv(
                x, &y, batch: 1, cIn: cIn, cOut: cOut, h: h, w: w, weight: weight, bias: bias, accumulate: true)
            XCTAssertEqual(BLASRuntime.threads, threads, "the convolution must restore the BLAS thread count")
            return y
        }
        BLASRuntime.threads = 3
        XCTAssertEqual(winogradWorkers(height: h), 3)
        let split = run(threads: 3), single = run(threads: 1)
        let conv = directConv(
            x, batch: 1, cIn: cIn, h: h, w: w, weight: weight, bias: bias,
            cOut: cOut, k: 3, stride: 1, padTop: 1, padBottom: 1)
        assertClose(split, zip(conv, residual).map { $0 + $1 })
        assertClose(split, single, tolerance: 1e-6)
    }

    func testWinogradSourcesGiveTheBitsOfTheirWholeBorderedImage() {
        // Plain, enlarged and normalised input, bordered a band of rows at a time as the
        // convolution reads it, against the same input bordered whole first (padPlanes,
        // upsampleNearest2x, groupNorm with border 1): equal bit for bit, on even and odd sides,
        // with one and with several bands and workers.
        let saved = BLASRuntime.threads
        defer { BLASRuntime.threads = saved }
        for (h, w, cIn, cOut, threads) in [(8, 6, 5, 7, 1), (9, 6, 5, 7, 1), (7, 5, 4, 3, 2), (96, 64, 16, 24, 3)] {
            BLASRuntime.threads = threads
            let x = random(cIn * h * w, stream: 40, scale: 2)
            let half = random(cIn * (h / 2) * (w / 2), stream: 41)
            let u = winogradWeights(random(cOut * cIn * 9, stream: 42), cOut: cOut, cIn: cIn)
            let bias = random(cOut, stream: 43), gamma = random(cIn, stream: 44), beta = random(cIn, stream: 45)
            let groups = cIn % 2 == 0 ? 2 : 1
            var statistics = [Float](repeating: 0, count: 2 * cIn)
            var padded = [Float](repeating: .nan, count: cIn * (h + 2) * (w + 2))
            var scratch = [Float](
                repeating: .nan, count: winogradWorkspaceCount(cIn: cIn, cOut: cOut, height: h, width: w))
            func convolve(_ source: WinogradSource) -> [Float] {
                var y = [Float](repeating: .nan, count: cOut * h * w)
                conv3x3Winograd(
                    source, &y, cIn: cIn, cOut: cOut, height: h, width: w, u: u, bias: bias, accumulate: false,
                    workspace: &scratch)
                return y
            }
            func bordered() -> [Float] {
                padded.withUnsafeBufferPointer { convolve(.padded($0.baseAddress!)) }
            }
            x.withUnsafeBufferPointer { x in
                padPlanes(x.baseAddress!, &padded, planes: cIn, height: h, width: w, border: 1)
                XCTAssertEqual(convolve(.plain(x.baseAddress!)), bordered(), "plain \(h)x\(w)")
                groupNorm(
                    x.baseAddress!, &padded, batch: 1, channels: cIn, height: h, width: w, groups: groups, eps: 1e-6,
                    gamma: gamma, beta: beta, swish: true, border: 1)
                statistics.withUnsafeMutableBufferPointer { s in
                    let (scale, shift) = (s.baseAddress!, s.baseAddress! + cIn)
                    groupNormAffine(
                        x.baseAddress!, batch: 1, channels: cIn, pixels: h * w, groups: groups, eps: 1e-6,
                        gamma: gamma, beta: beta, scale: scale, shift: shift)
                    XCTAssertEqual(
                        convolve(.normalized(x.baseAddress!, scale: scale, shift: shift, swish: true)), bordered(),
                        "normalized \(h)x\(w)")
                }
            }
            if h % 2 == 0 && w % 2 == 0 {
                half.withUnsafeBufferPointer { half in
                    upsampleNearest2x(half.baseAddress!, &padded, planes: cIn, height: h / 2, width: w / 2, border: 1)
                    XCTAssertEqual(convolve(.upsampled(half.baseAddress!)), bordered(), "upsampled \(h)x\(w)")
                }
            }
        }
    }

    func testWinogradConv3x3AccumulatesIntoTheOutputForResidualConnections() {
        for (h, w) in [(6, 4), (5, 5)] {
            let (cIn, cOut) = (3, 4)
            let x = random(cIn * h * w, stream: 7), weight = random(cOut * cIn * 9, stream: 8)
            let bias = random(cOut, stream: 9), residual = random(cOut * h * w, stream: 10)
            var y = residual
            winogradConv(
                x, &y, batch: 1, cIn: cIn, cOut: cOut, h: h, w: w, weight: weight, bias: bias, accumulate: true)
            let conv = directConv(
                x, batch: 1, cIn: cIn, h: h, w: w, weight: weight, bias: bias,
                cOut: cOut, k: 3, stride: 1, padTop: 1, padBottom: 1)
            assertClose(y, zip(conv, residual).map { $0 + $1 })
        }
    }

    func testUpsampledConvolutionEqualsNearestEnlargementThenConvolution() {
        let (cIn, cOut, h, w) = (2, 3, 4, 5)
        let x = random(cIn * h * w, stream: 11)
        let weight = random(cOut * cIn * 9, stream: 12), bias = random(cOut, stream: 13)
        // torch.nn.functional.interpolate(scale_factor=2, mode="nearest"): out[y, x] = in[y/2, x/2].
        var big = [Float](repeating: 0, count: cIn * 4 * h * w)
        for c in 0..<cIn {
            for r in 0..<(2 * h) {
                for q in 0..<(2 * w) {
                    big[(c * 2 * h + r) * 2 * w + q] = x[(c * h + r / 2) * w + q / 2]
                }
            }
        }
        var y = [Float](repeating: 0, count: cOut * 4 * h * w)
        winogradConv(
            x, &y, batch: 1, cIn: cIn, cOut: cOut, h: 2 * h, w: 2 * w, weight: weight, bias: bias, upsample: true)
        assertClose(
            y,
            directConv(
                big, batch: 1, cIn: cIn, h: 2 * h, w: 2 * w, weight: weight, bias: bias,
                cOut: cOut, k: 3, stride: 1, padTop: 1, padBottom: 1))
    }

    func testDownsamplePadsOnlyRightAndBottomBeforeAStride2Convolution() {
        // taming's Downsample: F.pad(x, (0, 1, 0, 1)) then Conv2d(k=3, stride=2, padding=0).
        for (h, w) in [(8, 8), (7, 10)] {
            let (batch, cIn, cOut) = (2, 3, 4)
            let x = random(batch * cIn * h * w, stream: 14)
            let weight = random(cOut * cIn * 9, stream: 15), bias = random(cOut, stream: 16)
            let (oh, ow) = (downsampledSide(h), downsampledSide(w))
            var y = [Float](repeating: 0, count: batch * cOut * oh * ow)
            var columns = [Float](repeating: 0, count: conv3x3Stride2ColumnCount(cIn: cIn, height: h, width: w))
            conv2d3x3Stride2(
                x, &y, batch: batch, cIn: cIn, cOut: cOut, height: h, width: w,
                weight: weight, bias: bias, columns: &columns)
            assertClose(
                y,
                directConv(
                    x, batch: batch, cIn: cIn, h: h, w: w, weight: weight, bias: bias,
                    cOut: cOut, k: 3, stride: 2, padTop: 0, padBottom: 1))
        }
    }

    func testPointwiseConvolutionIsAPerPixelMatrixProduct() {
        let (batch, cIn, cOut, pixels) = (2, 5, 3, 11)
        let x = random(batch * cIn * pixels, stream: 17)
        let weight = random(cOut * cIn, stream: 18), bias = random(cOut, stream: 19)
        var y = [Float](repeating: 0, count: batch * cOut * pixels)
        conv2d1x1(x, &y, batch: batch, cIn: cIn, cOut: cOut, pixels: pixels, weight: weight, bias: bias)
        assertClose(
            y,
            directConv(
                x, batch: batch, cIn: cIn, h: 1, w: pixels, weight: weight, bias: bias,
                cOut: cOut, k: 1, stride: 1, padTop: 0, padBottom: 0))
    }

    func testGroupNormWithSwishMatchesTheDefinition() {
        let (batch, channels, pixels, groups) = (2, 8, 37, 4)
        let x = random(batch * channels * pixels, stream: 20, scale: 3).map { $0 + 5 } // offset mean
        let gamma = random(channels, stream: 21), beta = random(channels, stream: 22)
        for applySwish in [false, true] {
            var y = [Float](repeating: 0, count: x.count)
            groupNorm(
                x, &y, batch: batch, channels: channels, height: 1, width: pixels, groups: groups, eps: 1e-6,
                gamma: gamma, beta: beta, swish: applySwish)
            var expected = [Float](repeating: 0, count: x.count)
            let per = channels / groups * pixels
            for n in 0..<batch {
                for g in 0..<groups {
                    let start = (n * channels + g * channels / groups) * pixels
                    let values = x[start..<start + per].map(Double.init)
                    let mean = values.reduce(0, +) / Double(per)
                    let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(per)
                    for i in 0..<per {
                        let c = (start + i) / pixels % channels
                        var v = (values[i] - mean) / (variance + 1e-6).squareRoot() * Double(gamma[c]) + Double(beta[c])
                        if applySwish { v = v / (1 + Foundation.exp(-v)) }
                        expected[start + i] = Float(v)
                    }
                }
            }
            assertClose(y, expected, tolerance: 2e-6)
        }
    }

    func testGroupNormWithABorderWritesTheSameValuesInsideAZeroFrame() {
        let (batch, channels, h, w) = (2, 4, 3, 5)
        let x = random(batch * channels * h * w, stream: 30)
        let gamma = random(channels, stream: 31), beta = random(channels, stream: 32)
        var plain = [Float](repeating: 0, count: x.count)
        groupNorm(
            x, &plain, batch: batch, channels: channels, height: h, width: w, groups: 2, eps: 1e-6,
            gamma: gamma, beta: beta, swish: true)
        var framed = [Float](repeating: .nan, count: batch * channels * (h + 2) * (w + 2))
        groupNorm(
            x, &framed, batch: batch, channels: channels, height: h, width: w, groups: 2, eps: 1e-6,
            gamma: gamma, beta: beta, swish: true, border: 1)
        var expected = [Float](repeating: 0, count: framed.count)
        padPlanes(plain, &expected, planes: batch * channels, height: h, width: w, border: 1)
        XCTAssertEqual(framed, expected)
    }

    func testFastExponentialIsWithinTwoUlpsOfTheLibraryOne() {
        for i in 0..<2000 {
            let x = Float(i - 1000) * 0.087 // -87 ... 87
            let reference = Foundation.exp(x)
            XCTAssertLessThanOrEqual(abs(fastExp(x) - reference), 2 * reference.ulp, "exp(\(x))")
        }
    }

    func testSwishSaturatesToZeroAndIdentityWithoutOverflow() {
        let x: [Float] = [-200, -1, 0, 1, 200]
        var y = [Float](repeating: .nan, count: x.count)
        swish(x, &y, count: x.count)
        XCTAssertEqual(y[0], 0, accuracy: 1e-30)
        XCTAssertEqual(y[1], -1 / (1 + Float(M_E)), accuracy: 1e-6)
        XCTAssertEqual(y[2], 0)
        XCTAssertEqual(y[3], 1 / (1 + 1 / Float(M_E)), accuracy: 1e-6)
        XCTAssertEqual(y[4], 200)
    }

    func testSpatialAttentionMatchesSoftmaxOfScaledDotProducts() {
        let (channels, positions) = (6, 10)
        let q = random(channels * positions, stream: 23), k = random(channels * positions, stream: 24)
        let v = random(channels * positions, stream: 25)
        var scores = [Float](repeating: 0, count: positions * positions)
        var out = [Float](repeating: 0, count: channels * positions)
        spatialAttention(q: q, k: k, v: v, channels: channels, positions: positions, scores: &scores, out: &out)
        var expected = [Float](repeating: 0, count: channels * positions)
        for i in 0..<positions {
            var weights = [Double](repeating: 0, count: positions)
            for j in 0..<positions {
                var dot = 0.0
                for c in 0..<channels { dot += Double(q[c * positions + i]) * Double(k[c * positions + j]) }
                weights[j] = dot / Double(channels).squareRoot()
            }
            let m = weights.max()!
            weights = weights.map { Foundation.exp($0 - m) }
            let total = weights.reduce(0, +)
            for c in 0..<channels {
                var s = 0.0
                for j in 0..<positions { s += weights[j] / total * Double(v[c * positions + j]) }
                expected[c * positions + i] = Float(s)
            }
        }
        assertClose(out, expected, tolerance: 1e-5)
    }

    func testQuantizerPicksTheNearestCodebookRowAndTheFirstOfEqualRows() {
        let (dim, size, positions) = (4, 9, 12)
        var codebook = random(size * dim, stream: 26)
        // Row 6 duplicates row 2: a tie that torch.argmin resolves to the first index.
        for d in 0..<dim { codebook[6 * dim + d] = codebook[2 * dim + d] }
        var z = random(dim * positions, stream: 27)
        for d in 0..<dim { z[d * positions + 5] = codebook[2 * dim + d] + 0.01 }
        var norms = [Float](repeating: 0, count: size)
        codebookNorms(codebook, size: size, dim: dim, &norms)
        var tokens = [Int32](repeating: -1, count: positions)
        var products = [Float](repeating: 0, count: positions * size)
        quantizeNearest(
            z, positions: positions, dim: dim, codebook: codebook, norms: norms, size: size,
            tokens: &tokens, products: &products)
        for p in 0..<positions {
            var distances = [Float](repeating: 0, count: size)
            for n in 0..<size {
                for d in 0..<dim {
                    let e = z[d * positions + p] - codebook[n * dim + d]
                    distances[n] += e * e
                }
            }
            XCTAssertEqual(Int(tokens[p]), distances.firstIndex(of: distances.min()!)!, "position \(p)")
        }
        XCTAssertEqual(tokens[5], 2)

        var lookedUp = [Float](repeating: 0, count: dim * positions)
        codebookLookup(tokens, positions: positions, dim: dim, codebook: codebook, &lookedUp)
        XCTAssertEqual((0..<dim).map { lookedUp[$0 * positions + 5] }, Array(codebook[2 * dim..<3 * dim]))
    }
}
