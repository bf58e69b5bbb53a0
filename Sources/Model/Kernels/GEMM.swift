import CBLAS

/// C = alpha * op(A) * op(B) + beta * C, all row-major, through OpenBLAS' SGEMM.
/// op(A): [m, k] (A stored [m, k] with leading dimension lda, or [k, m] when `transposeA`),
/// op(B): [k, n] (B stored [k, n] with leading dimension ldb, or [n, k] when `transposeB`),
/// C: [m, n] with leading dimension ldc.
@inline(__always)
func gemm(
    transposeA: Bool = false, transposeB: Bool = false,
    m: Int, n: Int, k: Int, alpha: Float = 1,
    a: UnsafePointer<Float>, lda: Int,
    b: UnsafePointer<Float>, ldb: Int,
    beta: Float = 0,
    c: UnsafeMutablePointer<Float>, ldc: Int
) {
    cblas_sgemm(
        CblasRowMajor,
        transposeA ? CblasTrans : CblasNoTrans,
        transposeB ? CblasTrans : CblasNoTrans,
        Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// OpenBLAS' runtime configuration, for diagnostics and benchmarks.
public enum BLASRuntime {
    /// Threads OpenBLAS uses for one call.
    public static var threads: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(newValue)) }
    }
    /// The CPU kernel family OpenBLAS selected (e.g. "Haswell").
    public static var coreName: String { String(cString: openblas_get_corename()) }
    /// OpenBLAS' build configuration string.
    public static var configuration: String { String(cString: openblas_get_config()) }

    /// Single-precision matrix multiply of `count`x`count` square matrices, repeated until
    /// `seconds` elapse; returns the achieved GFLOP/s (2*n^3 FLOPs per product).
    public static func sgemmProbe(size count: Int = 512, seconds: Double = 0.5) -> Double {
        let a = [Float](repeating: 0.5, count: count * count)
        let b = [Float](repeating: 0.25, count: count * count)
        var c = [Float](repeating: 0, count: count * count)
        var products = 0
        let clock = ContinuousClock()
        let start = clock.now
        var elapsed = 0.0
        repeat {
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    c.withUnsafeMutableBufferPointer { pc in
                        gemm(
                            m: count, n: count, k: count, a: pa.baseAddress!, lda: count,
                            b: pb.baseAddress!, ldb: count, c: pc.baseAddress!, ldc: count)
                    }
                }
            }
            products += 1
            let d = clock.now - start
            elapsed = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        } while elapsed < seconds
        return 2 * Double(count * count * count) * Double(products) / elapsed / 1e9
    }
}
