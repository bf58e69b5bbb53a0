/// Single-head attention over the positions of one image, as taming's `AttnBlock` computes it:
/// scores[i, j] = (q_i . k_j) * channels^-0.5, softmax over j, out_i = sum_j p[i, j] v_j.
/// q, k, v, out: [channels, positions] (channel-major, as the 1x1 convolutions leave them);
/// scores: workspace [positions, positions].
func spatialAttention(
    q: UnsafePointer<Float>, k: UnsafePointer<Float>, v: UnsafePointer<Float>,
    channels: Int, positions: Int,
    scores: UnsafeMutablePointer<Float>, out: UnsafeMutablePointer<Float>
) {
    let scale = 1 / Float(channels).squareRoot()
    gemm(
        transposeA: true, m: positions, n: positions, k: channels, alpha: scale,
        a: q, lda: positions, b: k, ldb: positions, c: scores, ldc: positions)
    for i in 0..<positions {
        softmaxInPlace(scores + i * positions, count: positions)
    }
    gemm(
        transposeB: true, m: channels, n: positions, k: positions,
        a: v, lda: positions, b: scores, ldb: positions, c: out, ldc: positions)
}

/// x = softmax(x), subtracting the maximum first. x: [count].
@inline(__always)
private func softmaxInPlace(_ x: UnsafeMutablePointer<Float>, count: Int) {
    var m = -Float.infinity
    for i in 0..<count { m = max(m, x[i]) }
    for i in 0..<count { x[i] = fastExp(x[i] - m) }
    var sum: Float = 0
    for i in 0..<count { sum += x[i] }
    let inverse = 1 / sum
    for i in 0..<count { x[i] *= inverse }
}
