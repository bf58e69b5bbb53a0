import CKernels

/// 3x3 convolutions, stride 1, zero padding 1, by Winograd's minimal filtering F(2x2, 3x3)
/// (Lavin & Gray 2016): every 2x2 block of output pixels comes from a 4x4 tile of the padded input,
///     Y = Aᵀ [ Σ_ci U[co, ci] ⊙ V[ci] ] A,   U = G g Gᵀ (4x4 per filter),   V = Bᵀ d B (4x4 per tile),
/// so the 9 multiply-adds per output pixel and input channel become 16 per 4 pixels (2.25x fewer),
/// done as 16 SGEMMs, one per position ξ of the 4x4 transform:
///     M[ξ][co, tile] = Σ_ci U[ξ][co, ci] · V[ξ][ci, tile].
/// The transforms only add, subtract and halve, so the result equals the direct convolution up to
/// float32 rounding (tests compare against a direct loop).
///
/// Layouts: images planar (PyTorch NCHW); U: [16, cOut, cIn]; tiles row-major over the image,
/// `tilesX = width / 2` per row; V: [16, cIn, tiles of a band]; M: [16, cOut, tiles of a band].

/// B = [[1,0,0,0],[0,1,-1,1],[-1,1,1,0],[0,0,0,-1]], G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],[0,0,1]],
/// A = [[1,0],[1,1],[1,-1],[0,-1]].
/// PyTorch's 3x3 weight [cOut, cIn, 3, 3] -> U = G g Gᵀ per filter, laid out [16, cOut, cIn].
func winogradWeights(_ weight: [Float], cOut: Int, cIn: Int) -> [Float] {
    precondition(weight.count == cOut * cIn * 9)
    return [Float](unsafeUninitializedCapacity: 16 * cOut * cIn) { u, count in
        weight.withUnsafeBufferPointer { winogradWeights($0.baseAddress!, cOut: cOut, cIn: cIn, into: u.baseAddress!) }
        count = 16 * cOut * cIn
    }
}

/// `winogradWeights` into memory the caller owns: w: [cOut, cIn, 3, 3] -> u: [16, cOut, cIn].
func winogradWeights(_ w: UnsafePointer<Float>, cOut: Int, cIn: Int, into u: UnsafeMutablePointer<Float>) {
    for co in 0..<cOut {
        for ci in 0..<cIn {
            let g = w + (co * cIn + ci) * 9
            // Gg: [4, 3], from the rows of g: g0, (g0+g1+g2)/2, (g0-g1+g2)/2, g2.
            for r in 0..<4 {
                func combined(_ c: Int) -> Float {
                    let (g0, g1, g2) = (g[c], g[3 + c], g[6 + c])
                    switch r {
                    case 0: return g0
                    case 1: return 0.5 * (g0 + g1 + g2)
                    case 2: return 0.5 * (g0 - g1 + g2)
                    default: return g2
                    }
                }
                // (Gg) Gᵀ: row r of Gg combined the same way across its three columns.
                let (a, b, c) = (combined(0), combined(1), combined(2))
                let row = (a, 0.5 * (a + b + c), 0.5 * (a - b + c), c)
                let base = (r * 4) * cOut * cIn + co * cIn + ci, step = cOut * cIn
                u[base] = row.0
                u[base + step] = row.1
                u[base + 2 * step] = row.2
                u[base + 3 * step] = row.3
            }
        }
    }
}

/// Tile rows per band: bands of about 2^17 / max(cIn, cOut) tiles keep a band's V and M
/// (16 x channels x tiles floats each, about 8 MB) near the cache while the GEMMs stay wide.
/// Below 128 channels the 16 GEMMs are too shallow (K = cIn) to hide the transforms' memory
/// traffic, and bands 8x smaller (about 1 MB: V and M stay in L2) are faster: 19% more search
/// samples per second on the 32/64-channel VQGAN of vtv-small, where the released decoder
/// (128-512 channels) got 8-25% slower with them (docs/benchmarks.md, "Winograd bands").
func winogradBandRows(cIn: Int, cOut: Int, tilesX: Int, tilesY: Int) -> Int {
    let channels = max(cIn, cOut, 1)
    let budget = channels >= 128 ? 131_072 : 16_384
    return max(1, min(tilesY, (budget / channels) / max(tilesX, 1)))
}

/// Workers a Winograd convolution splits its tile rows between: one per BLAS thread, each
/// running single-threaded SGEMMs on its own bands (the workers share only the read-only input).
func winogradWorkers(height: Int) -> Int {
    max(1, min(BLASRuntime.threads, (height + 1) / 2))
}

/// Floats of one worker's band buffers (V then M) for an even-sided height x width image.
private func winogradBandFloats(cIn: Int, cOut: Int, height: Int, width: Int) -> Int {
    16 * (cIn + cOut) * winogradBandRows(cIn: cIn, cOut: cOut, tilesX: width / 2, tilesY: height / 2) * (width / 2)
}

/// Floats of workspace `conv3x3Winograd` needs for a height x width image (odd sides included).
func winogradWorkspaceCount(cIn: Int, cOut: Int, height: Int, width: Int) -> Int {
    let (h, w) = (height + height % 2, width + width % 2)
    let bands = winogradWorkers(height: h) * winogradBandFloats(cIn: cIn, cOut: cOut, height: h, width: w)
    // Odd sides: an even-sided padded copy of the input and the even-sided output.
    let odd = (h, w) == (height, width) ? 0 : cIn * (h + 2) * (w + 2) + cOut * h * w
    return bands + odd
}

/// 3x3 convolution, stride 1, zero padding 1, of one image that is already zero-bordered.
/// padded: [cIn, height+2, width+2]; u: [16, cOut, cIn] (`winogradWeights`); bias: [cOut];
/// y: [cOut, height, width], with `accumulate` y += conv(x), else y = conv(x);
/// workspace: `winogradWorkspaceCount` floats.
func conv3x3Winograd(
    _ padded: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    cIn: Int, cOut: Int, height: Int, width: Int,
    u: UnsafePointer<Float>, bias: UnsafePointer<Float>, accumulate: Bool,
    workspace: UnsafeMutablePointer<Float>
) {
    if height % 2 == 0 && width % 2 == 0 {
        winogradEven(
            padded, y, cIn: cIn, cOut: cOut, height: height, width: width, u: u, bias: bias,
            accumulate: accumulate, workspace: workspace)
        return
    }
    // Odd sides: one more zero row/column makes them even (the convolution's zero padding is
    // exactly that row); the extra output row/column is dropped.
    let (h, w) = (height + height % 2, width + width % 2)
    let bandsCount = winogradWorkers(height: h) * winogradBandFloats(cIn: cIn, cOut: cOut, height: h, width: w)
    let even = workspace + bandsCount, out = even + cIn * (h + 2) * (w + 2)
    even.update(repeating: 0, count: cIn * (h + 2) * (w + 2))
    for c in 0..<cIn {
        for r in 0..<(height + 2) {
            (even + (c * (h + 2) + r) * (w + 2)).update(
                from: padded + (c * (height + 2) + r) * (width + 2),
                count: width + 2)
        }
    }
    winogradEven(
        even, out, cIn: cIn, cOut: cOut, height: h, width: w, u: u, bias: bias,
        accumulate: false, workspace: workspace)
    for c in 0..<cOut {
        for r in 0..<height {
            let src = out + (c * h + r) * w, dst = y + (c * height + r) * width
            if accumulate {
                for i in 0..<width { dst[i] += src[i] }
            } else {
                dst.update(from: src, count: width)
            }
        }
    }
}

/// `conv3x3Winograd` for even height and width: tile rows split between the workers, each in
/// bands of `winogradBandRows` rows (input transform, 16 SGEMMs, output transform).
private func winogradEven(
    _ padded: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    cIn: Int, cOut: Int, height: Int, width: Int,
    u: UnsafePointer<Float>, bias: UnsafePointer<Float>, accumulate: Bool,
    workspace: UnsafeMutablePointer<Float>
) {
    let (tilesX, tilesY) = (width / 2, height / 2)
    let bandRows = winogradBandRows(cIn: cIn, cOut: cOut, tilesX: tilesX, tilesY: tilesY)
    let perWorker = winogradBandFloats(cIn: cIn, cOut: cOut, height: height, width: width)
    let workers = winogradWorkers(height: height)
    func run(_ rows: Range<Int>, _ scratch: UnsafeMutablePointer<Float>) {
        var t0 = rows.lowerBound
        while t0 < rows.upperBound {
            let count = min(bandRows, rows.upperBound - t0)
            let n = count * tilesX
            let v = scratch, m = scratch + 16 * cIn * n
            winogradInput(padded, v, cIn: cIn, height: height, width: width, tileRows: t0..<(t0 + count))
            for xi in 0..<16 {
                gemm(
                    m: cOut, n: n, k: cIn, a: u + xi * cOut * cIn, lda: cIn,
                    b: v + xi * cIn * n, ldb: n, c: m + xi * cOut * n, ldc: n)
            }
            winogradOutput(
                m, y, cOut: cOut, height: height, width: width, tileRows: t0..<(t0 + count),
                bias: bias, accumulate: accumulate)
            t0 += count
        }
    }
    if workers == 1 {
        run(0..<tilesY, workspace)
        return
    }
    concurrentWithSingleThreadedBLAS(workers) { w in
        run((tilesY * w / workers)..<(tilesY * (w + 1) / workers), workspace + w * perWorker)
    }
}

/// V = Bᵀ d B for every tile of `tileRows` and every channel (`vtv_winograd_input`, C cloned
/// per CPU). padded: [cIn, height+2, width+2]; v: [16, cIn, n] with n = tileRows.count * width/2.
/// Per tile row: the row combinations Bᵀ d over whole padded rows, split into even and odd
/// columns (e, o: [4, tilesX+1]); then the column combinations, each a contiguous loop
/// (tile tx reads columns 2tx..2tx+3 = e[tx], o[tx], e[tx+1], o[tx+1]).
private func winogradInput(
    _ padded: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
    cIn: Int, height: Int, width: Int, tileRows: Range<Int>
) {
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 8 * (width / 2 + 1)) { scratch in
        vtv_winograd_input(padded, v, cIn, height, width, tileRows.lowerBound, tileRows.count, scratch.baseAddress!)
    }
}

/// Y = Aᵀ M A (+ bias, + y when accumulating) for every tile of `tileRows` and output channel
/// (`vtv_winograd_output`, C cloned per CPU). m: [16, cOut, n]; y: [cOut, height, width].
private func winogradOutput(
    _ m: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    cOut: Int, height: Int, width: Int, tileRows: Range<Int>,
    bias: UnsafePointer<Float>, accumulate: Bool
) {
    vtv_winograd_output(m, y, cOut, height, width, tileRows.lowerBound, tileRows.count, bias, accumulate ? 1 : 0)
}
