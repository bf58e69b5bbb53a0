/// Multi-head scaled dot-product attention of one sample, up to the head outputs (before `proj`):
/// o[t, h] = softmax(q_h k_h^T * headWidth^-0.5)[t] v_h for every token t and head h.
/// qkv: [tokens, 3 * width] row-major with leading dimension `ldqkv` (default 3 * width), the
///   output of the `qkv` Linear: q in features 0..<width, k in width..<2*width, v in
///   2*width..<3*width; head h owns features h*headWidth ..< (h+1)*headWidth of each.
/// scores: workspace of at least scoreSlots * tokens * tokens floats. With more than one slot and
///   more than one BLAS thread, the heads are split between min(slots, threads) workers, each
///   with single-threaded SGEMMs and its own slot: products this small (tokens x tokens x
///   headWidth) are faster whole on one core than split by OpenBLAS, whose idle threads spin.
/// o: [tokens, width] row-major with leading dimension `ldo` (default width): head h's output in
///   columns h*headWidth ..< (h+1)*headWidth (heads concatenated in head order).
func attentionHeadOutputs(
    qkv: UnsafePointer<Float>, tokens: Int, width: Int, heads: Int,
    ldqkv: Int? = nil, scores: UnsafeMutablePointer<Float>, scoreSlots: Int = 1,
    into o: UnsafeMutablePointer<Float>, ldo: Int? = nil
) {
    let workers = min(scoreSlots, BLASRuntime.threads, heads)
    if workers <= 1 {
        attentionHeads(
            0..<heads, qkv: qkv, tokens: tokens, width: width, heads: heads, ldqkv: ldqkv,
            scores: scores, into: o, ldo: ldo)
        return
    }
    concurrentWithSingleThreadedBLAS(workers) { w in
        attentionHeads(
            (heads * w / workers)..<(heads * (w + 1) / workers), qkv: qkv, tokens: tokens,
            width: width, heads: heads, ldqkv: ldqkv, scores: scores + w * tokens * tokens,
            into: o, ldo: ldo)
    }
}

/// `attentionHeadOutputs` for the heads in `range`, one after the other, in one scores buffer
/// ([tokens, tokens]).
private func attentionHeads(
    _ range: Range<Int>, qkv: UnsafePointer<Float>, tokens: Int, width: Int,
    heads: Int, ldqkv: Int?, scores: UnsafeMutablePointer<Float>,
    into o: UnsafeMutablePointer<Float>, ldo: Int?
) {
    let ld = ldqkv ?? 3 * width
    let headWidth = width / heads
    let scale = 1 / Float(headWidth).squareRoot()
    for h in range {
        let q = qkv + h * headWidth, k = q + width, v = q + 2 * width
        // scores = q k^T: [tokens, tokens]
        gemm(
            transposeB: true, m: tokens, n: tokens, k: headWidth,
            a: q, lda: ld, b: k, ldb: ld, c: scores, ldc: tokens)
        softmaxRows(scores, rows: tokens, columns: tokens, ld: tokens, scale: scale)
        // o_h = softmax(scores) v: [tokens, headWidth]
        gemm(
            m: tokens, n: headWidth, k: tokens,
            a: scores, lda: tokens, b: v, ldb: ld, c: o + h * headWidth, ldc: ldo ?? width)
    }
}
