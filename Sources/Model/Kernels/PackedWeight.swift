import CKernels

/// A Linear weight packed once, at load time, into the layout of our own small-row GEMM
/// (Sources/CKernels/packed_gemm.c): panels of 32 output features, each [inFeatures][32]
/// contiguous, zero-padded past outFeatures. `values`: [PackedWeight.count(out:in:)] floats.
///
/// Why: at the row counts of one sample (50-197 tokens) OpenBLAS repacks every weight on every
/// call, a quarter of a batch-1 ViT-L forward (docs/benchmarks.md, "Weights packed once").
struct PackedWeight {
    let values: UnsafePointer<Float>
    /// PyTorch's out_features and in_features (the weight's shape is [outFeatures, inFeatures]).
    let outFeatures: Int
    let inFeatures: Int

    /// Floats a packed [outFeatures, inFeatures] weight occupies.
    static func count(outFeatures: Int, inFeatures: Int) -> Int {
        vtv_packed_weight_count(outFeatures, inFeatures)
    }

    /// Packs w [outFeatures, inFeatures] (PyTorch layout, row-major) into `destination`
    /// ([count(outFeatures:inFeatures:)] floats) and returns the packed weight over it.
    static func pack(_ w: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int,
                     into destination: UnsafeMutablePointer<Float>) -> PackedWeight {
        vtv_pack_weight(w, outFeatures, inFeatures, destination)
        return PackedWeight(values: destination, outFeatures: outFeatures, inFeatures: inFeatures)
    }

    /// The weight back in PyTorch layout: [outFeatures * inFeatures], row-major.
    func unpacked() -> [Float] {
        [Float](unsafeUninitializedCapacity: outFeatures * inFeatures) { buffer, count in
            vtv_unpack_weight(values, outFeatures, inFeatures, buffer.baseAddress!)
            count = outFeatures * inFeatures
        }
    }

    /// Panels of 32 output features.
    var panels: Int { vtv_packed_panels(outFeatures) }
}

/// What the packed GEMM runs on this CPU, for diagnostics (`vtv doctor`).
public enum PackedGEMMRuntime {
    /// The micro-kernel's tile, e.g. "14x32 (AVX-512)".
    public static var tile: String {
        let rows = Int(vtv_packed_tile_rows())
        let isa = rows >= 14 ? "AVX-512" : (rows == 3 ? "AVX2" : "baseline")
        return "\(rows)x32 (\(isa))"
    }
}

/// y[rows, outFeatures] (leading dimension ldy) = [y +] bias + x[rows, inFeatures] (leading
/// dimension ldx) times w^T, then GELU when `gelu` (`vtv_packed_linear`); without a bias and with
/// `accumulate`, y += x w^T. Rows split into contiguous blocks between as many workers as OpenBLAS
/// has threads (one worker inside `concurrentWithSingleThreadedBLAS`).
func packedGEMM(_ x: UnsafePointer<Float>, rows: Int, ldx: Int, weight w: PackedWeight,
                into y: UnsafeMutablePointer<Float>, ldy: Int, bias: UnsafePointer<Float>? = nil,
                accumulate: Bool = true, gelu: Bool = false) {
    parallelFor(rows, grain: 8) { range in
        let status = vtv_packed_linear(range.count, w.outFeatures, w.inFeatures, x + range.lowerBound * ldx, ldx,
                                       w.values, 0, w.panels, y + range.lowerBound * ldy, ldy, bias,
                                       accumulate ? 1 : 0, gelu ? 1 : 0)
        // Only the row-packing scratch (at most 56 x 1024 floats) is allocated.
        precondition(status == 0, "packed GEMM: out of memory for \(min(range.count, 56)) x 1024 floats of scratch")
    }
}
