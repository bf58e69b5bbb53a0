import CKernels

/// GELU in place, the exact form x * (1 + erf(x / sqrt 2)) / 2 (PyTorch's default
/// `nn.GELU()`, not the tanh approximation). x: [count].
/// Runs `vtv_gelu` (C, cloned for AVX-512/AVX2), the same formula as `geluValue`.
func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
    vtv_gelu(x, count)
}

/// GELU of one value with `erfApproximation`: the reference `vtv_gelu` is tested against.
@inline(__always)
func geluValue(_ v: Float) -> Float {
    0.5 * v * (1 + erfApproximation(v * 0.70710678118654752))
}

/// erf(x) by the odd/even rational approximation Eigen and XLA use for float32 (numerator
/// degree 13, denominator degree 8, on x clamped to [-4, 4], beyond which erf is +-1 in float).
/// Agrees with glibc's erff within 5e-7 absolute (a test checks). Unlike a call to erff it has
/// no branches or calls, so the GELU loop vectorizes; scalar erff would dominate the MLP's cost.
@inline(__always)
func erfApproximation(_ a: Float) -> Float {
    let x = min(max(a, -4), 4)
    let x2 = x * x
    var p = x2 * -2.72614225801306e-10 + 2.77068142495902e-08
    p = x2 * p + -2.10102402082508e-06
    p = x2 * p + -5.69250639462346e-05
    p = x2 * p + -7.34990630326855e-04
    p = x2 * p + -2.95459980854025e-03
    p = x2 * p + -1.60960333262415e-02
    p = x * p
    var q = x2 * -1.45660718464996e-05 + -2.13374055278905e-04
    q = x2 * q + -1.68282697438203e-03
    q = x2 * q + -7.37332916720468e-03
    q = x2 * q + -1.42647390514189e-02
    return p / q
}
