/// The form a checkpoint tensor takes for the whole life of a model: the layout its kernel reads,
/// derived once from PyTorch's layout when the model is built (`ModelWeights`). Which tensor takes
/// which form is decided in one place, `maeWeightForms` and `weightForms(prefix:parts:)` below.
enum WeightForm: Int, Hashable, Comparable, CaseIterable, CustomStringConvertible {
    /// As stored: PyTorch's layout, row-major (biases, norms, embeddings, 1x1 and stride-2
    /// convolutions, the codebook).
    case plain
    /// A Linear weight [out, in] (or the patch embedding [width, 3, p, p], a Linear over flattened
    /// patches) packed into the panels of our GEMM (`PackedWeight`).
    case packedLinear
    /// A Linear weight as `packedLinear`, rounded to bf16 and packed in pairs along the input
    /// features (`PackedWeight`, `LinearPrecision.bf16`): half the bytes; each Float slot of the
    /// block holds one pair.
    case packedLinearBF16
    /// A 3x3 stride-1 convolution weight [cOut, cIn, 3, 3] as Winograd filters U: [16, cOut, cIn]
    /// (`winogradWeights`).
    case winograd
    /// The squared norms of a matrix's rows, [rows]: the codebook's, for the encoder's
    /// nearest-vector search (`codebookNorms`).
    case squaredRowNorms

    static func < (a: WeightForm, b: WeightForm) -> Bool { a.rawValue < b.rawValue }

    var description: String {
        switch self {
        case .plain: return "plain"
        case .packedLinear: return "packed Linear"
        case .packedLinearBF16: return "packed Linear (bf16)"
        case .winograd: return "Winograd filters"
        case .squaredRowNorms: return "squared row norms"
        }
    }

    /// Floats this form of a tensor of PyTorch shape `shape` occupies.
    func count(shape: [Int]) -> Int {
        switch self {
        case .plain: return shape.reduce(1, *)
        case .packedLinear: return PackedWeight.count(outFeatures: shape[0], inFeatures: shape.dropFirst().reduce(1, *))
        case .packedLinearBF16:
            return PackedWeight.count(
                outFeatures: shape[0], inFeatures: shape.dropFirst().reduce(1, *), precision: .bf16)
        case .winograd: return 16 * shape[0] * shape[1]
        case .squaredRowNorms: return shape[0]
        }
    }

    /// Writes this form of a tensor into `destination` ([count(shape:)] floats).
    /// values: [shape.product] in PyTorch's layout, row-major.
    func derive(_ values: UnsafePointer<Float>, shape: [Int], into destination: UnsafeMutablePointer<Float>) {
        switch self {
        case .plain:
            destination.update(from: values, count: shape.reduce(1, *))
        case .packedLinear:
            _ = PackedWeight.pack(
                values, outFeatures: shape[0], inFeatures: shape.dropFirst().reduce(1, *), into: destination)
        case .packedLinearBF16:
            _ = PackedWeight.pack(
                values, outFeatures: shape[0], inFeatures: shape.dropFirst().reduce(1, *), into: destination,
                precision: .bf16)
        case .winograd:
            winogradWeights(values, cOut: shape[0], cIn: shape[1], into: destination)
        case .squaredRowNorms:
            codebookNorms(values, size: shape[0], dim: shape.dropFirst().reduce(1, *), destination)
        }
    }
}

/// One tensor in one form: a checkpoint name (e.g. `blocks.3.attn.qkv.weight`) and what it is kept as.
struct WeightKey: Hashable, Comparable {
    let name: String
    let form: WeightForm

    static func < (a: WeightKey, b: WeightKey) -> Bool { (a.name, a.form) < (b.name, b.form) }
}

extension ModelConfiguration {
    /// Every MAE tensor, with its PyTorch shape, in the form `linear` and the blocks read: every
    /// `.weight` of two or more dimensions (the Linears [out, in], and the patch embedding
    /// [width, 3, patch, patch]) packed, as bf16 pairs when `precision` is bf16; the rest plain.
    func maeWeightForms(precision: LinearPrecision) -> [WeightKey: [Int]] {
        let packedForm: WeightForm = precision == .bf16 ? .packedLinearBF16 : .packedLinear
        var forms: [WeightKey: [Int]] = [:]
        for (name, shape) in maeTensorShapes {
            let packed = name.hasSuffix(".weight") && shape.count >= 2
            forms[WeightKey(name: name, form: packed ? packedForm : .plain)] = shape
        }
        return forms
    }

    /// The fp32 forms (the default).
    var maeWeightForms: [WeightKey: [Int]] { maeWeightForms(precision: .fp32) }
}

extension VQGANConfiguration {
    /// The tensors the VQGAN encoder and/or decoder of `parts` read (named with `prefix`), with
    /// their PyTorch shapes, in the form their kernels want: 3x3 stride-1 convolution weights as
    /// Winograd filters; taming's stride-2 `Downsample` convolutions (`encoder.down.{l}.downsample.conv`,
    /// run by im2col + SGEMM), the 1x1 convolutions, norms, biases and the codebook plain; and for
    /// the encoder the codebook's squared row norms as well.
    func weightForms(prefix: String, parts: ModelParts) -> [WeightKey: [Int]] {
        let codebook = prefix + "quantize.embedding.weight"
        var stems: [String] = []
        if parts.contains(.vqganEncoder) { stems += [prefix + "encoder.", prefix + "quant_conv."] }
        if parts.contains(.vqganDecoder) { stems += [prefix + "decoder.", prefix + "post_quant_conv."] }
        var forms: [WeightKey: [Int]] = [:]
        for (name, shape) in expectedTensors(prefix: prefix) {
            if name == codebook {
                if parts.contains(.vqganEncoder) || parts.contains(.vqganDecoder) {
                    forms[WeightKey(name: name, form: .plain)] = shape
                }
                if parts.contains(.vqganEncoder) { forms[WeightKey(name: name, form: .squaredRowNorms)] = shape }
                continue
            }
            guard stems.contains(where: { name.hasPrefix($0) }) else { continue }
            let stride2 = name.hasPrefix(prefix + "encoder.down.") && name.hasSuffix(".downsample.conv.weight")
            let winograd = shape.count == 4 && shape[2] == 3 && shape[3] == 3 && !stride2
            forms[WeightKey(name: name, form: winograd ? .winograd : .plain)] = shape
        }
        return forms
    }
}
