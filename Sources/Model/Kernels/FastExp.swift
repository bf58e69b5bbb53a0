/// e^x with Cephes' `expf` polynomial (about 1 ulp in the normal range), written as straight-line
/// scalar code so that loops calling it are vectorized by LLVM in release builds and stay
/// reasonably fast in debug builds (where generic SIMD types are very slow).
/// Inputs are clamped to [-87.3, 88.7], so the result is always a normal float: callers
/// (swish, softmax) only need e^x to be tiny or huge there, not exact.
@inline(__always)
func fastExp(_ x: Float) -> Float {
    // Plain comparisons rather than the generic min/max, which debug builds call out of line.
    let x: Float = x < -87.3 ? -87.3 : (x > 88.7 ? 88.7 : x)
    // Adding 1.5 * 2^23 rounds x*log2(e) to the nearest integer n and leaves n in the low
    // mantissa bits, which gives 2^n below without a float-to-int conversion.
    let shifted = x * 1.442_695_04 + 12_582_912
    let n = shifted - 12_582_912
    let r = x - n * 0.693_359_375 - n * -2.121_944_4e-4
    var p: Float = 1.987_569_15e-4 * r + 1.398_199_950_7e-3
    p = p * r + 8.333_451_907_3e-3
    p = p * r + 4.166_579_589_4e-2
    p = p * r + 1.666_666_545_9e-1
    p = p * r + 5.000_000_120_1e-1
    let er = p * (r * r) + r + 1
    let exponent = Int32(bitPattern: shifted.bitPattern) &- 0x4B40_0000 &+ 127
    return er * Float(bitPattern: UInt32(bitPattern: exponent &<< 23))
}

/// swish(x) = x * sigmoid(x) = x / (1 + e^-x), taming's `nonlinearity`.
@inline(__always)
func swishValue(_ x: Float) -> Float {
    x / (1 + fastExp(-x))
}
