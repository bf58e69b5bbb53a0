/// Multi-head scaled dot-product attention of one sample, up to the head outputs (before `proj`):
/// o[t, h] = softmax(q_h k_h^T * headWidth^-0.5)[t] v_h for every token t and head h.
/// qkv: [tokens, 3 * width] row-major with leading dimension `ldqkv` (default 3 * width), the
///   output of the `qkv` Linear: q in features 0..<width, k in width..<2*width, v in
///   2*width..<3*width; head h owns features h*headWidth ..< (h+1)*headWidth of each.
/// scores: workspace of at least tokens * tokens floats.
/// o: [tokens, width] row-major with leading dimension `ldo` (default width): head h's output in
///   columns h*headWidth ..< (h+1)*headWidth (heads concatenated in head order).
func attentionHeadOutputs(qkv: UnsafePointer<Float>, tokens: Int, width: Int, heads: Int,
                          ldqkv: Int? = nil, scores: UnsafeMutablePointer<Float>,
                          into o: UnsafeMutablePointer<Float>, ldo: Int? = nil) {
    let ld = ldqkv ?? 3 * width
    let headWidth = width / heads
    let scale = 1 / Float(headWidth).squareRoot()
    for h in 0..<heads {
        let q = qkv + h * headWidth, k = q + width, v = q + 2 * width
        // scores = q k^T: [tokens, tokens]
        gemm(transposeB: true, m: tokens, n: tokens, k: headWidth,
             a: q, lda: ld, b: k, ldb: ld, c: scores, ldc: tokens)
        softmaxRows(scores, rows: tokens, columns: tokens, ld: tokens, scale: scale)
        // o_h = softmax(scores) v: [tokens, headWidth]
        gemm(m: tokens, n: headWidth, k: tokens,
             a: scores, lda: tokens, b: v, ldb: ld, c: o + h * headWidth, ldc: ldo ?? width)
    }
}
