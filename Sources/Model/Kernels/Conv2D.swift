/// 2D convolutions as SGEMMs over planar (channel-major) images, PyTorch's NCHW layout: the
/// stride-2 3x3 convolution of taming's `Downsample` (im2col in bands), 1x1 convolutions, and the
/// zero-bordered copies stride-1 3x3 convolutions read (those run Winograd: Winograd.swift).

/// Rows of output per band: bands of about `columns` output positions keep the GEMM's output
/// block cache-resident while leaving the GEMM a wide enough N to run at full speed.
func conv3x3BandRows(height: Int, width: Int, columns: Int = 4096) -> Int {
    max(1, min(height, columns / (width + 2)))
}

/// Copies planes into a zero-bordered layout.
/// x: [planes, height, width] -> y: [planes, height + 2*border, width + 2*border].
func padPlanes(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    planes: Int, height: Int, width: Int, border: Int
) {
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
func conv2d3x3Stride2(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    batch: Int, cIn: Int, cOut: Int, height: Int, width: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>,
    columns: UnsafeMutablePointer<Float>
) {
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
            gemm(
                m: cOut, n: n, k: cIn * 9, a: weight, lda: cIn * 9, b: columns, ldb: n,
                beta: 1, c: dst + y0 * ow, ldc: oh * ow)
            y0 += rows
        }
    }
}

/// 1x1 convolution: a matrix product per image.
/// x: [batch, cIn, pixels] -> y: [batch, cOut, pixels]; weight: [cOut, cIn] (PyTorch
/// [cOut, cIn, 1, 1]); bias: [cOut]. With `accumulate`, y += conv(x), otherwise y = conv(x).
func conv2d1x1(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    batch: Int, cIn: Int, cOut: Int, pixels: Int,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, accumulate: Bool = false
) {
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
        gemm(
            m: cOut, n: pixels, k: cIn, a: weight, lda: cIn, b: x + image * cIn * pixels, ldb: pixels,
            beta: 1, c: dst, ldc: pixels)
    }
}
