import CKernels

/// The arithmetic of the MAE's Linear layers, chosen once where the model's weights are derived
/// (`ModelWeights`). fp32 is the default and the reference every parity claim is made against.
///
/// bf16: weights rounded to bf16 once (half the memory of the fp32 panels), activations rounded
/// as each row tile is packed, products formed exactly and summed in fp32 by AVX512_BF16's
/// vdpbf16ps (Sources/CKernels/packed_gemm_bf16.c). Opt-in, and only where the CPU has the
/// instruction: there is no slow emulated path to fall back to silently.
public enum LinearPrecision: String, CaseIterable, Codable, Sendable, CustomStringConvertible {
    case fp32
    case bf16

    public var description: String { rawValue }

    /// Throws when this CPU cannot run `self` (`supported` is `BF16Runtime.isSupported`; tests
    /// pass false to see the refusal on any machine).
    public func checkSupported(bf16Supported supported: Bool = BF16Runtime.isSupported) throws {
        if self == .bf16 && !supported { throw LinearPrecisionError.bf16Unsupported }
    }
}

/// Whether this CPU runs the bf16 Linear (`vtv doctor`, `vtv bench forward --precision`).
public enum BF16Runtime {
    /// AVX-512 with AVX512_BF16 (vdpbf16ps, vcvtne2ps2bf16), detected by cpuid once.
    public static var isSupported: Bool { vtv_bf16_supported() != 0 }
}

public enum LinearPrecisionError: Error, CustomStringConvertible, Equatable {
    case bf16Unsupported

    public var description: String {
        switch self {
        case .bf16Unsupported:
            return "bf16 Linear layers need a CPU with AVX512_BF16 (vdpbf16ps), which this one lacks "
                + "(no avx512_bf16 in /proc/cpuinfo); use --precision fp32, the default"
        }
    }
}
