/// LayerNorm over each row: y = (x - mean) / sqrt(var + eps) * weight + bias, with the biased
/// variance, as PyTorch's `nn.LayerNorm`. Statistics in float, two passes over the row.
/// x: [rows, width] row-major with leading dimension `ldx`; weight, bias: [width];
/// y: [rows, width] row-major with leading dimension `ldy` (y may be x, for in place).
func layerNorm(
    _ x: UnsafePointer<Float>, rows: Int, width: Int, ldx: Int? = nil,
    weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, eps: Float,
    into y: UnsafeMutablePointer<Float>, ldy: Int? = nil
) {
    let ldx = ldx ?? width, ldy = ldy ?? width
    for r in 0..<rows {
        let src = x + r * ldx, dst = y + r * ldy
        let mean = sum(src, count: width) / Float(width)
        var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
        var i = 0
        while i + 4 <= width {
            let d0 = src[i] - mean, d1 = src[i + 1] - mean, d2 = src[i + 2] - mean, d3 = src[i + 3] - mean
            s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3
            i += 4
        }
        var squares = (s0 + s1) + (s2 + s3)
        while i < width { let d = src[i] - mean; squares += d * d; i += 1 }
        let inverse = 1 / (squares / Float(width) + eps).squareRoot()
        for j in 0..<width { dst[j] = (src[j] - mean) * inverse * weight[j] + bias[j] }
    }
}
