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
/// `tilesX = width / 2` per row; V: [16, cIn, tiles of a band]; M: [16, cOut, tiles of a band],
/// their 16 positions in slots of max(cIn, cOut) x tiles of a band (M[ξ] over V[ξ-1]).

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

/// Where a stride-1 3x3 convolution's zero-bordered input comes from, for one image. The
/// convolution reads it one channel's band of rows at a time, so only `.padded` input exists as a
/// whole bordered image; the others are bordered (normalised, or enlarged) row by row as they are
/// read, into a few rows of scratch, and the bordered image is never materialised.
enum WinogradSource {
    /// padded: [cIn, height+2, width+2], zero-bordered already.
    case padded(UnsafePointer<Float>)
    /// x: [cIn, height, width] as it is.
    case plain(UnsafePointer<Float>)
    /// x: [cIn, height/2, width/2], enlarged 2x by nearest neighbour (PyTorch `interpolate`).
    case upsampled(UnsafePointer<Float>)
    /// x: [cIn, height, width], channel c taken as x * scale[c] + shift[c], then swish when
    /// `swish` (`affine`): a GroupNorm whose statistics were taken first (`groupNormAffine`).
    /// scale, shift: [cIn].
    case normalized(UnsafePointer<Float>, scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, swish: Bool)

    /// The same source for image `image` of a batch whose images have cIn channels of
    /// height x width output pixels (scale and shift then [batch, cIn]).
    func image(_ image: Int, cIn: Int, height: Int, width: Int) -> WinogradSource {
        switch self {
        case .padded(let p): return .padded(p + image * cIn * (height + 2) * (width + 2))
        case .plain(let x): return .plain(x + image * cIn * height * width)
        case .upsampled(let x): return .upsampled(x + image * cIn * (height / 2) * (width / 2))
        case .normalized(let x, let scale, let shift, let swish):
            return .normalized(
                x + image * cIn * height * width, scale: scale + image * cIn, shift: shift + image * cIn,
                swish: swish)
        }
    }

    /// Writes padded rows `rows` (0 and height+1 are the zero border) of channel `channel` into
    /// dst, row r - rows.lowerBound at dst + (r - rows.lowerBound) * pitch, width+2 floats each.
    /// The values are exactly those the whole bordered image would hold (`padPlanes`,
    /// `upsampleNearest2x` or `groupNorm` with border 1: the same row-wise `affine` calls).
    func fill(
        channel c: Int, rows: Range<Int>, height: Int, width: Int, into dst: UnsafeMutablePointer<Float>, pitch: Int
    ) {
        for r in rows {
            let row = dst + (r - rows.lowerBound) * pitch
            if r == 0 || r == height + 1 {
                row.update(repeating: 0, count: width + 2)
                continue
            }
            row[0] = 0
            row[width + 1] = 0
            let body = row + 1
            switch self {
            case .padded(let p):
                row.update(from: p + (c * (height + 2) + r) * (width + 2), count: width + 2)
            case .plain(let x):
                body.update(from: x + (c * height + r - 1) * width, count: width)
            case .upsampled(let x):
                let half = width / 2
                let src = x + (c * (height / 2) + (r - 1) / 2) * half
                for i in 0..<half {
                    body[2 * i] = src[i]
                    body[2 * i + 1] = src[i]
                }
            case .normalized(let x, let scale, let shift, let swish):
                affine(
                    x + (c * height + r - 1) * width, body, count: width, scale: scale[c], shift: shift[c],
                    swish: swish)
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

/// Floats of one worker's scratch for an even-sided height x width image: 17 slots of
/// max(cIn, cOut) x a band's tiles (V[ξ] in slot ξ+1, M[ξ] written over slot ξ, whose V the
/// previous SGEMM has read: about half of separate V and M at cIn = cOut), then one channel's
/// padded rows of a band and the input transform's scratch.
private func winogradBandFloats(cIn: Int, cOut: Int, height: Int, width: Int) -> Int {
    let rows = winogradBandRows(cIn: cIn, cOut: cOut, tilesX: width / 2, tilesY: height / 2)
    return 17 * max(cIn, cOut) * rows * (width / 2) + (2 * rows + 2) * (width + 2) + 8 * (width / 2 + 1)
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
    conv3x3Winograd(
        .padded(padded), y, cIn: cIn, cOut: cOut, height: height, width: width, u: u, bias: bias,
        accumulate: accumulate, workspace: workspace)
}

/// `conv3x3Winograd` of one image from any `WinogradSource`: the same result, bit for bit, as
/// bordering the whole source first. y: [cOut, height, width]; workspace: `winogradWorkspaceCount`.
func conv3x3Winograd(
    _ source: WinogradSource, _ y: UnsafeMutablePointer<Float>,
    cIn: Int, cOut: Int, height: Int, width: Int,
    u: UnsafePointer<Float>, bias: UnsafePointer<Float>, accumulate: Bool,
    workspace: UnsafeMutablePointer<Float>
) {
    if height % 2 == 0 && width % 2 == 0 {
        winogradEven(
            source, y, cIn: cIn, cOut: cOut, height: height, width: width, u: u, bias: bias,
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
        source.fill(
            channel: c, rows: 0..<(height + 2), height: height, width: width,
            into: even + c * (h + 2) * (w + 2), pitch: w + 2)
    }
    winogradEven(
        .padded(even), out, cIn: cIn, cOut: cOut, height: h, width: w, u: u, bias: bias,
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
    _ source: WinogradSource, _ y: UnsafeMutablePointer<Float>,
    cIn: Int, cOut: Int, height: Int, width: Int,
    u: UnsafePointer<Float>, bias: UnsafePointer<Float>, accumulate: Bool,
    workspace: UnsafeMutablePointer<Float>
) {
    let (tilesX, tilesY) = (width / 2, height / 2)
    let bandRows = winogradBandRows(cIn: cIn, cOut: cOut, tilesX: tilesX, tilesY: tilesY)
    let perWorker = winogradBandFloats(cIn: cIn, cOut: cOut, height: height, width: width)
    let workers = winogradWorkers(height: height)
    func run(_ rows: Range<Int>, _ scratch: UnsafeMutablePointer<Float>) {
        let bandInput = scratch + 17 * max(cIn, cOut) * bandRows * tilesX
        let transformScratch = bandInput + (2 * bandRows + 2) * (width + 2)
        var t0 = rows.lowerBound
        while t0 < rows.upperBound {
            let count = min(bandRows, rows.upperBound - t0)
            let n = count * tilesX
            // M[ξ] goes into slot ξ, where V[ξ-1] was, which SGEMM ξ-1 has read; V[ξ] is in slot ξ+1.
            let slot = max(cIn, cOut) * n
            let m = scratch, v = scratch + slot
            winogradInput(
                source, v, stride: slot, cIn: cIn, height: height, width: width, tileRows: t0..<(t0 + count),
                rows: bandInput, scratch: transformScratch)
            for xi in 0..<16 {
                gemm(
                    m: cOut, n: n, k: cIn, a: u + xi * cOut * cIn, lda: cIn,
                    b: v + xi * slot, ldb: n, c: m + xi * slot, ldc: n)
            }
            winogradOutput(
                m, y, stride: slot, cOut: cOut, height: height, width: width, tileRows: t0..<(t0 + count),
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

/// V = Bᵀ d B for every tile of `tileRows` and every channel (`vtv_winograd_input_channel`, C
/// cloned per CPU). v: [16, cIn, n] with n = tileRows.count * width/2, its 16 positions `stride`
/// floats apart; rows: (2 * tileRows.count
/// + 2) * (width + 2) floats, where a channel's padded rows are put when the source is not
/// already bordered; scratch: 8 * (width/2 + 1) floats.
/// Per tile row: the row combinations Bᵀ d over whole padded rows, split into even and odd
/// columns (e, o: [4, tilesX+1]); then the column combinations, each a contiguous loop
/// (tile tx reads columns 2tx..2tx+3 = e[tx], o[tx], e[tx+1], o[tx+1]).
private func winogradInput(
    _ source: WinogradSource, _ v: UnsafeMutablePointer<Float>, stride: Int,
    cIn: Int, height: Int, width: Int, tileRows: Range<Int>,
    rows: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>
) {
    let n = tileRows.count * (width / 2)
    let padded = (2 * tileRows.lowerBound)..<(2 * tileRows.upperBound + 2)
    for c in 0..<cIn {
        let channelRows: UnsafePointer<Float>
        if case .padded(let p) = source {
            channelRows = p + (c * (height + 2) + padded.lowerBound) * (width + 2)
        } else {
            source.fill(channel: c, rows: padded, height: height, width: width, into: rows, pitch: width + 2)
            channelRows = UnsafePointer(rows)
        }
        vtv_winograd_input_channel(channelRows, v + c * n, stride, width, tileRows.count, scratch)
    }
}

/// Y = Aᵀ M A (+ bias, + y when accumulating) for every tile of `tileRows` and output channel
/// (`vtv_winograd_output`, C cloned per CPU). m: [16, cOut, n], its 16 positions `stride` floats
/// apart; y: [cOut, height, width].
private func winogradOutput(
    _ m: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, stride: Int,
    cOut: Int, height: Int, width: Int, tileRows: Range<Int>,
    bias: UnsafePointer<Float>, accumulate: Bool
) {
    vtv_winograd_output(
        m, y, cOut, height, width, tileRows.lowerBound, tileRows.count, stride, bias, accumulate ? 1 : 0)
}
