// The elementwise kernels are plain scalar loops on purpose: LLVM vectorizes them in release
// builds, and unlike Swift's generic SIMD types they stay fast enough in debug builds (which
// the tests use) and never fall back to per-lane generic calls.

/// The PyTorch Linear over a block of rows: y = x W^T + b, or y += x W^T + b when
/// `accumulate` (a residual connection folded into the product), then GELU when `gelu`.
/// x: [rows, inFeatures] row-major with leading dimension `ldx` (default inFeatures);
/// weight: [outFeatures, inFeatures], packed (`PackedWeight`); bias: [outFeatures];
/// y: [rows, outFeatures] row-major with leading dimension `ldy` (default outFeatures).
/// One product for all rows, so a batch of samples shares each weight read; bias, residual and
/// GELU are applied as the product's tiles are stored (`vtv_packed_linear`), with the same
/// result as separate passes.
func linear(
    _ x: UnsafePointer<Float>, rows: Int, ldx: Int? = nil,
    weight: PackedWeight, bias: UnsafePointer<Float>,
    into y: UnsafeMutablePointer<Float>, ldy: Int? = nil, accumulate: Bool = false, gelu: Bool = false
) {
    if rows == 0 { return }
    packedGEMM(
        x, rows: rows, ldx: ldx ?? weight.inFeatures, weight: weight, into: y, ldy: ldy ?? weight.outFeatures,
        bias: bias, accumulate: accumulate, gelu: gelu)
}

/// y += x elementwise. x, y: [count].
func addVector(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count { y[i] += x[i] }
}

/// The sum of x[0..<count], with eight running partial sums (independent chains, so the
/// adds overlap; float addition is not reassociated by the compiler).
@inline(__always)
func sum(_ x: UnsafePointer<Float>, count: Int) -> Float {
    var a0: Float = 0, a1: Float = 0, a2: Float = 0, a3: Float = 0
    var a4: Float = 0, a5: Float = 0, a6: Float = 0, a7: Float = 0
    var i = 0
    while i + 8 <= count {
        a0 += x[i]; a1 += x[i + 1]; a2 += x[i + 2]; a3 += x[i + 3]
        a4 += x[i + 4]; a5 += x[i + 5]; a6 += x[i + 6]; a7 += x[i + 7]
        i += 8
    }
    var total = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))
    while i < count { total += x[i]; i += 1 }
    return total
}
