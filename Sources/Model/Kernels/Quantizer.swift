/// Squared norms of codebook rows, ||e_n||^2. codebook: [size, dim] -> norms: [size].
func codebookNorms(
    _ codebook: UnsafePointer<Float>, size: Int, dim: Int,
    _ norms: UnsafeMutablePointer<Float>
) {
    for n in 0..<size {
        norms[n] = squaredNorm(codebook + n * dim, stride: 1, count: dim)
    }
}

@inline(__always)
private func squaredNorm(_ x: UnsafePointer<Float>, stride: Int, count: Int) -> Float {
    var s: Float = 0
    for d in 0..<count {
        let v = x[d * stride]
        s += v * v
    }
    return s
}

/// Vector quantisation (taming's `VectorQuantizer`): the token of position p is the codebook row
/// nearest to z_p in squared L2 distance, evaluated as taming does,
/// d[p, n] = (||z_p||^2 + ||e_n||^2) - 2 z_p.e_n, with the dot products from one GEMM; ties go
/// to the lowest index, as `torch.argmin` does.
/// z: [dim, positions] (channel-major, as the convolution leaves it); codebook: [size, dim];
/// norms: [size] from `codebookNorms`; tokens: [positions]; products: workspace [positions, size].
func quantizeNearest(
    _ z: UnsafePointer<Float>, positions: Int, dim: Int,
    codebook: UnsafePointer<Float>, norms: UnsafePointer<Float>, size: Int,
    tokens: UnsafeMutablePointer<Int32>, products: UnsafeMutablePointer<Float>
) {
    gemm(
        transposeA: true, transposeB: true, m: positions, n: size, k: dim,
        a: z, lda: positions, b: codebook, ldb: dim, c: products, ldc: size)
    for p in 0..<positions {
        let zz = squaredNorm(z + p, stride: positions, count: dim)
        let row = products + p * size
        var best = Float.infinity
        var bestIndex = 0
        for n in 0..<size {
            let d = (zz + norms[n]) - 2 * row[n]
            // `<` keeps the first minimum; NaN never wins, like torch.argmin on finite rows.
            if d < best {
                best = d
                bestIndex = n
            }
        }
        tokens[p] = Int32(bestIndex)
    }
}

/// The codebook vectors of a token grid, channel-major (the inverse of `quantizeNearest`).
/// tokens: [positions] (each in 0..<size); codebook: [size, dim] -> z: [dim, positions].
func codebookLookup(
    _ tokens: UnsafePointer<Int32>, positions: Int, dim: Int,
    codebook: UnsafePointer<Float>, _ z: UnsafeMutablePointer<Float>
) {
    for p in 0..<positions {
        let e = codebook + Int(tokens[p]) * dim
        for d in 0..<dim {
            z[d * positions + p] = e[d]
        }
    }
}
