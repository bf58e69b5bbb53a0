/// Softmax in place along each row, after scaling every element by `scale` (the attention's
/// headDim^-0.5, applied to the scores first as PyTorch does):
/// x[r, j] = exp(s x[r, j] - max_j s x[r, j]) / sum_j exp(...).
/// x: [rows, columns] row-major with leading dimension `ld`.
func softmaxRows(_ x: UnsafeMutablePointer<Float>, rows: Int, columns: Int, ld: Int, scale: Float = 1) {
    for r in 0..<rows {
        let row = x + r * ld
        var top = -Float.infinity
        for j in 0..<columns {
            let v = row[j] * scale
            row[j] = v
            top = v > top ? v : top
        }
        for j in 0..<columns { row[j] = expApproximation(row[j] - top) }
        let inverse = 1 / sum(row, count: columns)
        for j in 0..<columns { row[j] *= inverse }
    }
}

/// exp(x) as Cephes' expf computes it: 2^n * P(r) with n = round(x / ln 2) and r = x - n ln 2
/// (ln 2 in two parts); within 2e-7 relative of glibc's expf. Inputs below -87.33 give 0, so
/// exp(-inf) = 0 as a softmax over masked scores needs. Branch- and call-free, so loops over it
/// vectorize.
@inline(__always)
func expApproximation(_ a: Float) -> Float {
    let x = min(max(a, -87.33), 88.37)
    // Adding 1.5 * 2^23 rounds x / ln 2 to an integer held in the low mantissa bits.
    let shifted = x * 1.44269504088896341 + 12_582_912
    let n = shifted - 12_582_912
    var r = x - n * 0.693359375
    r = r - n * -2.12194440e-4
    var p = r * 1.9875691500e-4 + 1.3981999507e-3
    p = r * p + 8.3334519073e-3
    p = r * p + 4.1665795894e-2
    p = r * p + 1.6666665459e-1
    p = r * p + 5.0000001201e-1
    let y = p * (r * r) + r + 1
    let exponent = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000
    let twoToN = Float(bitPattern: UInt32(bitPattern: (exponent &+ 127) &<< 23))
    return a < -87.33 ? 0 : y * twoToN
}
