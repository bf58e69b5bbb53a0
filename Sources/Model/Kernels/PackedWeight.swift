import CKernels

/// A Linear weight packed once, at load time, into the layout of our own small-row GEMM
/// (Sources/CKernels/packed_gemm.c): panels of 32 output features, each [inFeatures][32]
/// contiguous, zero-padded past outFeatures. `values`: [PackedWeight.count(out:in:)] floats.
/// With `precision` bf16 (Sources/CKernels/packed_gemm_bf16.c) each panel is [ceil(in / 2)][32]
/// 32-bit words instead, each word a pair of bf16 values along the input features (even in the
/// low half), so `values` holds one pair per Float slot: half the bytes.
///
/// Why: at the row counts of one sample (50-197 tokens) OpenBLAS repacks every weight on every
/// call, a quarter of a batch-1 ViT-L forward (docs/benchmarks.md, "Weights packed once").
struct PackedWeight {
    let values: UnsafePointer<Float>
    /// PyTorch's out_features and in_features (the weight's shape is [outFeatures, inFeatures]).
    let outFeatures: Int
    let inFeatures: Int
    /// The arithmetic the GEMM runs on these panels (their layout follows it).
    var precision: LinearPrecision = .fp32

    /// Float slots a packed [outFeatures, inFeatures] weight occupies.
    static func count(outFeatures: Int, inFeatures: Int, precision: LinearPrecision = .fp32) -> Int {
        switch precision {
        case .fp32: return vtv_packed_weight_count(outFeatures, inFeatures)
        case .bf16: return vtv_packed_bf16_count(outFeatures, inFeatures)
        }
    }

    /// Packs w [outFeatures, inFeatures] (PyTorch layout, row-major) into `destination`
    /// ([count(outFeatures:inFeatures:precision:)] floats) and returns the packed weight over it.
    static func pack(
        _ w: UnsafePointer<Float>, outFeatures: Int, inFeatures: Int,
        into destination: UnsafeMutablePointer<Float>, precision: LinearPrecision = .fp32
    ) -> PackedWeight {
        switch precision {
        case .fp32:
            vtv_pack_weight(w, outFeatures, inFeatures, destination)
        case .bf16:
            let words = count(outFeatures: outFeatures, inFeatures: inFeatures, precision: .bf16)
            destination.withMemoryRebound(to: UInt32.self, capacity: words) {
                vtv_pack_weight_bf16(w, outFeatures, inFeatures, $0)
            }
        }
        return PackedWeight(values: destination, outFeatures: outFeatures, inFeatures: inFeatures, precision: precision)
    }

    /// The weight back in PyTorch layout: [outFeatures * inFeatures], row-major (bf16: the
    /// rounded values the GEMM multiplies).
    func unpacked() -> [Float] {
        [Float](unsafeUninitializedCapacity: outFeatures * inFeatures) { buffer, count in
            switch precision {
            case .fp32: vtv_unpack_weight(values, outFeatures, inFeatures, buffer.baseAddress!)
            case .bf16: vtv_unpack_weight_bf16(bf16Words, outFeatures, inFeatures, buffer.baseAddress!)
            }
            count = outFeatures * inFeatures
        }
    }

    /// The bf16 panels as the C kernel takes them: [count(..., precision: .bf16)] words.
    var bf16Words: UnsafePointer<UInt32> {
        UnsafeRawPointer(values).assumingMemoryBound(to: UInt32.self)
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
/// dimension ldx) times w^T, then GELU when `gelu` (`vtv_packed_linear`, or
/// `vtv_packed_linear_bf16` for bf16 panels); without a bias and with `accumulate`, y += x w^T.
/// Rows split into contiguous blocks between as many workers as OpenBLAS has threads (one worker
/// inside `concurrentWithSingleThreadedBLAS`).
func packedGEMM(
    _ x: UnsafePointer<Float>, rows: Int, ldx: Int, weight w: PackedWeight,
    into y: UnsafeMutablePointer<Float>, ldy: Int, bias: UnsafePointer<Float>? = nil,
    accumulate: Bool = true, gelu: Bool = false
) {
    parallelFor(rows, grain: 8) { range in
        let x = x + range.lowerBound * ldx, y = y + range.lowerBound * ldy
        switch w.precision {
        case .fp32:
            let status = vtv_packed_linear(
                range.count, w.outFeatures, w.inFeatures, x, ldx, w.values, 0, w.panels, y, ldy,
                bias, accumulate ? 1 : 0, gelu ? 1 : 0)
            // Only the row-packing scratch (at most 56 x 1024 floats) is allocated.
            precondition(status == 0, "packed GEMM: out of memory for \(min(range.count, 56)) x 1024 floats of scratch")
        case .bf16:
            let status = vtv_packed_linear_bf16(
                range.count, w.outFeatures, w.inFeatures, x, ldx, w.bf16Words, 0, w.panels,
                y, ldy, bias, accumulate ? 1 : 0, gelu ? 1 : 0)
            // bf16 weights exist only where ModelWeights checked the CPU (LinearPrecision.checkSupported).
            precondition(status != -2, "bf16 packed GEMM on a CPU without AVX512_BF16")
            precondition(status == 0, "bf16 packed GEMM: out of memory for this thread's 112 KiB row-tile scratch")
        }
    }
}
