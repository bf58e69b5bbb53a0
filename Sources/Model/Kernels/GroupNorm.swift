import CKernels

/// GroupNorm over each image of a batch, optionally followed by swish (the pair taming always
/// applies before a convolution), optionally writing the result with a zero border so that it
/// is directly the padded input `conv3x3Winograd` reads (saving a copy per convolution).
/// x: [batch, channels, height, width]; y: [batch, channels, height + 2*border, width + 2*border]
/// (may not alias x); gamma, beta: [channels].
/// Channels split into `groups` consecutive groups; each group of each image is normalised with
/// its own mean and biased variance: y = (x - mean) / sqrt(var + eps) * gamma + beta.
func groupNorm(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    batch: Int, channels: Int, height: Int, width: Int, groups: Int, eps: Float,
    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, swish applySwish: Bool,
    border: Int = 0
) {
    let pixels = height * width
    let (pw, ph) = (width + 2 * border, height + 2 * border)
    withUnsafeTemporaryAllocation(of: Float.self, capacity: 2 * batch * channels) { statistics in
        let scale = statistics.baseAddress!, shift = scale + batch * channels
        groupNormAffine(
            x, batch: batch, channels: channels, pixels: pixels, groups: groups, eps: eps,
            gamma: gamma, beta: beta, scale: scale, shift: shift)
        parallelFor(batch * channels, grain: max(1, 65536 / max(pixels, 1))) { range in
            for item in range {
                let input = x + item * pixels
                let output = y + item * ph * pw
                if border == 0 {
                    affine(input, output, count: pixels, scale: scale[item], shift: shift[item], swish: applySwish)
                    continue
                }
                output.update(repeating: 0, count: border * pw)
                for r in 0..<height {
                    let row = output + (r + border) * pw
                    row.update(repeating: 0, count: border)
                    affine(
                        input + r * width, row + border, count: width, scale: scale[item], shift: shift[item],
                        swish: applySwish)
                    (row + border + width).update(repeating: 0, count: border)
                }
                (output + (height + border) * pw).update(repeating: 0, count: border * pw)
            }
        }
    }
}

/// GroupNorm's statistics as a per-channel affine map: for every image n and channel c,
/// GroupNorm(x)[n, c] = x[n, c] * scale[n, c] + shift[n, c] (`affine`), where scale = gamma[c] *
/// rstd and shift = beta[c] - mean * scale of c's group in image n. x: [batch, channels, pixels];
/// gamma, beta: [channels]; scale, shift: [batch, channels].
func groupNormAffine(
    _ x: UnsafePointer<Float>, batch: Int, channels: Int, pixels: Int, groups: Int, eps: Float,
    gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
    scale: UnsafeMutablePointer<Float>, shift: UnsafeMutablePointer<Float>
) {
    precondition(channels % groups == 0, "channels \(channels) not divisible by \(groups) groups")
    let perGroup = channels / groups
    let count = perGroup * pixels
    parallelFor(batch * groups, grain: max(1, 65536 / max(count, 1))) { range in
        for item in range {
            let (n, g) = (item / groups, item % groups)
            let src = x + (n * channels + g * perGroup) * pixels
            // Two passes in blocks: float sums within a block, double across blocks, so the
            // statistics of a 200k-element group keep float32 accuracy.
            let mean = blockSum(src, count: count) { $0 } / Double(count)
            let m = Float(mean)
            let variance = blockSum(src, count: count) { ($0 - m) * ($0 - m) } / Double(count)
            let rstd = Float(1 / (variance + Double(eps)).squareRoot())
            for c in g * perGroup..<(g + 1) * perGroup {
                let s = gamma[c] * rstd
                scale[n * channels + c] = s
                shift[n * channels + c] = beta[c] - m * s
            }
        }
    }
}

/// Sum of f(x[i]) for i < count: eight float partial sums (which LLVM vectorizes) within
/// blocks of 4096, accumulated in double across blocks.
@inline(__always)
private func blockSum(_ x: UnsafePointer<Float>, count: Int, _ f: (Float) -> Float) -> Double {
    var total = 0.0
    var start = 0
    while start < count {
        let end = min(count, start + 4096)
        var (s0, s1, s2, s3, s4, s5, s6, s7): (Float, Float, Float, Float, Float, Float, Float, Float) = (
            0, 0, 0, 0, 0, 0, 0, 0
        )
        var i = start
        while i + 8 <= end {
            s0 += f(x[i]); s1 += f(x[i + 1]); s2 += f(x[i + 2]); s3 += f(x[i + 3])
            s4 += f(x[i + 4]); s5 += f(x[i + 5]); s6 += f(x[i + 6]); s7 += f(x[i + 7])
            i += 8
        }
        while i < end {
            s0 += f(x[i])
            i += 1
        }
        total += Double(((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7)))
        start = end
    }
    return total
}

/// y = x * scale + shift, then swish (`swishValue`) if asked. x, y: [count].
/// Runs `vtv_affine` (C, cloned for AVX-512/AVX2).
@inline(__always)
func affine(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int,
    scale: Float, shift: Float, swish applySwish: Bool
) {
    vtv_affine(x, y, count, scale, shift, applySwish ? 1 : 0)
}
