import Dispatch

/// 2D convolutions as SGEMMs over planar (channel-major) images, PyTorch's NCHW layout.
///
/// A 3x3 stride-1 convolution with zero padding 1 needs no im2col: in a copy of the input with
/// a one-pixel zero border, [cIn, h+2, w+2], the input seen by tap (ky, kx) for output pixel
/// (y, x) sits at the fixed offset ky*(w+2)+kx from position y*(w+2)+x. Computing the output in
/// that padded-row coordinate (two spare columns per row, dropped afterwards) turns each tap
/// into one GEMM over a strided view of the padded copy:
///     out[co, q] += W_tap[co, ci] * padded[ci, q + ky*(w+2) + kx],
/// nine GEMMs accumulating into a band of output rows small enough to stay in cache.

/// Rows of output per band: bands of about `columns` output positions keep the GEMM's output
/// block cache-resident while leaving the GEMM a wide enough N to run at full speed.
func conv3x3BandRows(height: Int, width: Int, columns: Int = 4096) -> Int {
    max(1, min(height, columns / (width + 2)))
}

/// Workers a 3x3 convolution of `height` rows splits its output rows between: one per BLAS
/// thread, each running single-threaded SGEMMs on its own rows (see `conv3x3Padded`).
func conv3x3Workers(height: Int) -> Int {
    max(1, min(BLASRuntime.threads, height))
}

/// Floats of band workspace `conv3x3Padded` needs: one [cOut, bandRows * (width+2)] band per worker.
func conv3x3BandCount(cOut: Int, height: Int, width: Int) -> Int {
    cOut * conv3x3BandRows(height: height, width: width) * (width + 2) * conv3x3Workers(height: height)
}

/// PyTorch's 3x3 weight [cOut, cIn, 3, 3] rearranged per tap: [9, cOut, cIn], tap = ky*3 + kx.
func conv3x3Taps(_ weight: [Float], cOut: Int, cIn: Int) -> [Float] {
    precondition(weight.count == cOut * cIn * 9)
    var taps = [Float](repeating: 0, count: weight.count)
    for co in 0..<cOut {
        for ci in 0..<cIn {
            for k in 0..<9 {
                taps[(k * cOut + co) * cIn + ci] = weight[(co * cIn + ci) * 9 + k]
            }
        }
    }
    return taps
}

/// Copies planes into a zero-bordered layout.
/// x: [planes, height, width] -> y: [planes, height + 2*border, width + 2*border].
func padPlanes(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
               planes: Int, height: Int, width: Int, border: Int) {
    let pw = width + 2 * border, ph = height + 2 * border
    parallelFor(planes, grain: max(1, 32768 / (ph * pw))) { range in
        for p in range {
            let dst = y + p * ph * pw
            dst.update(repeating: 0, count: border * pw)
            for r in 0..<height {
                let row = dst + (r + border) * pw
                row.update(repeating: 0, count: border)
                row.advanced(by: border).update(from: x + (p * height + r) * width, count: width)
                row.advanced(by: border + width).update(repeating: 0, count: border)
            }
            (dst + (height + border) * pw).update(repeating: 0, count: border * pw)
        }
    }
}

/// 3x3 convolution, stride 1, zero padding 1, of one image that is already zero-bordered.
/// padded: [cIn, height+2, width+2]; taps: [9, cOut, cIn] (see `conv3x3Taps`); bias: [cOut];
/// y: [cOut, height, width]; band: workspace of `conv3x3BandCount` floats.
/// With `accumulate`, y += conv(x) (a residual connection), otherwise y = conv(x).
///
/// With several BLAS threads, the output rows are split evenly between `conv3x3Workers`
/// workers, each running single-threaded SGEMMs over its own rows and band: the workers share
/// nothing but the read-only input, so they never wait for each other inside the layer, where
/// OpenBLAS' own threading splits every small tap GEMM and hands off nine times per band.
func conv3x3Padded(_ padded: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                   cIn: Int, cOut: Int, height: Int, width: Int,
                   taps: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                   accumulate: Bool, band: UnsafeMutablePointer<Float>) {
    let workers = conv3x3Workers(height: height)
    let bandCount = cOut * conv3x3BandRows(height: height, width: width) * (width + 2)
    if workers == 1 {
        conv3x3Rows(padded, y, rows: 0..<height, cIn: cIn, cOut: cOut, height: height, width: width,
                    taps: taps, bias: bias, accumulate: accumulate, band: band)
        return
    }
    let threads = BLASRuntime.threads
    BLASRuntime.threads = 1
    defer { BLASRuntime.threads = threads }
    DispatchQueue.concurrentPerform(iterations: workers) { w in
        conv3x3Rows(padded, y, rows: (height * w / workers)..<(height * (w + 1) / workers),
                    cIn: cIn, cOut: cOut, height: height, width: width, taps: taps, bias: bias,
                    accumulate: accumulate, band: band + w * bandCount)
    }
}

/// The output rows `rows` of `conv3x3Padded`, in bands of `conv3x3BandRows` rows, on the
/// calling thread (plus BLAS' threads). band: [cOut, bandRows * (width+2)].
private func conv3x3Rows(_ padded: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, rows: Range<Int>,
                         cIn: Int, cOut: Int, height: Int, width: Int,
                         taps: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                         accumulate: Bool, band: UnsafeMutablePointer<Float>) {
    let pw = width + 2
    let planeStride = (height + 2) * pw
    let bandRows = conv3x3BandRows(height: height, width: width)
    var y0 = rows.lowerBound
    while y0 < rows.upperBound {
        let count = min(bandRows, rows.upperBound - y0)
        // The last two positions of the band are spare columns; leaving them out keeps every
        // read inside the padded image.
        let n = count * pw - 2
        for k in 0..<9 {
            let (ky, kx) = (k / 3, k % 3)
            gemm(m: cOut, n: n, k: cIn,
                 a: taps + k * cOut * cIn, lda: cIn,
                 b: padded + (y0 + ky) * pw + kx, ldb: planeStride,
                 beta: k == 0 ? 0 : 1, c: band, ldc: n)
        }
        parallelFor(cOut, grain: max(1, 16384 / (count * width))) { channels in
            for co in channels {
                for r in 0..<count {
                    addRow(band + co * n + r * pw, y + (co * height + y0 + r) * width, count: width,
                           bias: bias[co], accumulate: accumulate)
                }
            }
        }
        y0 += count
    }
}

/// dst = (accumulate ? dst : 0) + src + bias, for one row.
@inline(__always)
private func addRow(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, count: Int,
                    bias: Float, accumulate: Bool) {
    if accumulate {
        for i in 0..<count { dst[i] += src[i] + bias }
    } else {
        for i in 0..<count { dst[i] = src[i] + bias }
    }
}

/// 3x3 convolution, stride 1, zero padding 1, of a batch: x: [batch, cIn, height, width] ->
/// y: [batch, cOut, height, width]. With `upsample`, x is [batch, cIn, height/2, width/2] and
/// is first enlarged 2x by nearest neighbour (taming's `Upsample`), fused into the padding copy.
/// padded: workspace [cIn, height+2, width+2]; band: workspace of `conv3x3BandCount` floats.
func conv2d3x3(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
               batch: Int, cIn: Int, cOut: Int, height: Int, width: Int, upsample: Bool = false,
               taps: UnsafePointer<Float>, bias: UnsafePointer<Float>, accumulate: Bool = false,
               padded: UnsafeMutablePointer<Float>, band: UnsafeMutablePointer<Float>) {
    let inPixels = upsample ? (height / 2) * (width / 2) : height * width
    for image in 0..<batch {
        let src = x + image * cIn * inPixels
        if upsample {
            upsampleNearest2x(src, padded, planes: cIn, height: height / 2, width: width / 2, border: 1)
        } else {
            padPlanes(src, padded, planes: cIn, height: height, width: width, border: 1)
        }
        conv3x3Padded(padded, y + image * cOut * height * width, cIn: cIn, cOut: cOut,
                      height: height, width: width, taps: taps, bias: bias,
                      accumulate: accumulate, band: band)
    }
}

/// Output side of taming's `Downsample`: pad right/bottom by one, 3x3 conv, stride 2.
func downsampledSide(_ side: Int) -> Int { (side + 1 - 3) / 2 + 1 }

/// Floats of column workspace `conv2d3x3Stride2` needs: [cIn*9, bandRows * outWidth].
func conv3x3Stride2ColumnCount(cIn: Int, height: Int, width: Int) -> Int {
    let ow = downsampledSide(width), oh = downsampledSide(height)
    return cIn * 9 * conv3x3BandRows(height: oh, width: ow) * ow
}

/// taming's `Downsample`: zero-pad one column right and one row bottom (no other padding), then
/// a 3x3 convolution with stride 2, via im2col in bands of output rows.
/// x: [batch, cIn, height, width] -> y: [batch, cOut, oh, ow] with oh = `downsampledSide(height)`;
/// weight: PyTorch [cOut, cIn, 3, 3] = [cOut, cIn*9]; bias: [cOut];
/// columns: workspace of `conv3x3Stride2ColumnCount` floats.
func conv2d3x3Stride2(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
                      batch: Int, cIn: Int, cOut: Int, height: Int, width: Int,
                      weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
                      columns: UnsafeMutablePointer<Float>) {
    let oh = downsampledSide(height), ow = downsampledSide(width)
    let bandRows = conv3x3BandRows(height: oh, width: ow)
    for image in 0..<batch {
        let src = x + image * cIn * height * width
        let dst = y + image * cOut * oh * ow
        var y0 = 0
        while y0 < oh {
            let rows = min(bandRows, oh - y0)
            let n = rows * ow
            // columns[(ci*9 + ky*3 + kx), r*ow + ox] = x[ci, 2(y0+r)+ky, 2ox+kx] (0 past the edge)
            parallelFor(cIn, grain: max(1, 16384 / (9 * n))) { inputChannels in
                for ci in inputChannels {
                    for k in 0..<9 {
                        let (ky, kx) = (k / 3, k % 3)
                        let col = columns + (ci * 9 + k) * n
                        for r in 0..<rows {
                            let iy = 2 * (y0 + r) + ky
                            let out = col + r * ow
                            if iy >= height {
                                out.update(repeating: 0, count: ow)
                                continue
                            }
                            let row = src + (ci * height + iy) * width
                            for ox in 0..<ow {
                                let ix = 2 * ox + kx
                                out[ox] = ix < width ? row[ix] : 0
                            }
                        }
                    }
                }
            }
            for co in 0..<cOut {
                (dst + co * oh * ow + y0 * ow).update(repeating: bias[co], count: n)
            }
            gemm(m: cOut, n: n, k: cIn * 9, a: weight, lda: cIn * 9, b: columns, ldb: n,
                 beta: 1, c: dst + y0 * ow, ldc: oh * ow)
            y0 += rows
        }
    }
}

/// 1x1 convolution: a matrix product per image.
/// x: [batch, cIn, pixels] -> y: [batch, cOut, pixels]; weight: [cOut, cIn] (PyTorch
/// [cOut, cIn, 1, 1]); bias: [cOut]. With `accumulate`, y += conv(x), otherwise y = conv(x).
func conv2d1x1(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
               batch: Int, cIn: Int, cOut: Int, pixels: Int,
               weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, accumulate: Bool = false) {
    for image in 0..<batch {
        let dst = y + image * cOut * pixels
        for co in 0..<cOut {
            let row = dst + co * pixels
            if accumulate {
                let b = bias[co]
                for i in 0..<pixels { row[i] += b }
            } else {
                row.update(repeating: bias[co], count: pixels)
            }
        }
        gemm(m: cOut, n: pixels, k: cIn, a: weight, lda: cIn, b: x + image * cIn * pixels, ldb: pixels,
             beta: 1, c: dst, ldc: pixels)
    }
}
