import Imaging

/// The MAE half's checkpoint tensors (named as in the released checkpoint's state dict), bound from one
/// block (`ModelWeights`) with a named pointer per tensor. Swift names on the left, checkpoint keys on the
/// right, in one table: `tensorShapes` below.
extension ModelConfiguration {
    /// Every MAE tensor (the transformer; no `vae.` prefix) with its PyTorch shape:
    /// Linear weights [out, in], the patch conv [width, 3, patch, patch].
    public var maeTensorShapes: [String: [Int]] {
        var t: [String: [Int]] = [:]
        let e = encoder.width, d = decoder.width, positions = patchCount + 1
        t["patch_embed.proj.weight"] = [e, rgbChannels, patchSize, patchSize]
        t["patch_embed.proj.bias"] = [e]
        t["cls_token"] = [1, 1, e]
        t["pos_embed"] = [1, positions, e]
        for (name, shape) in BlockParameters.tensorShapes(encoder) {
            for l in 0..<encoder.depth { t["blocks.\(l).\(name)"] = shape }
        }
        t["norm.weight"] = [e]
        t["norm.bias"] = [e]
        t["decoder_embed.weight"] = [d, e]
        t["decoder_embed.bias"] = [d]
        t["mask_token"] = [1, 1, d]
        t["decoder_pos_embed"] = [1, positions, d]
        for (name, shape) in BlockParameters.tensorShapes(decoder) {
            for l in 0..<decoder.depth { t["decoder_blocks.\(l).\(name)"] = shape }
        }
        t["decoder_norm.weight"] = [d]
        t["decoder_norm.bias"] = [d]
        t["decoder_pred.weight"] = [vocabulary, d]
        t["decoder_pred.bias"] = [vocabulary]
        return t
    }

    /// Every tensor of a whole MAE-VQGAN model file: the MAE part and the VQGAN under `vae.`.
    public var expectedTensors: [String: [Int]] {
        maeTensorShapes.merging(vqgan.expectedTensors(prefix: "vae.")) { a, _ in a }
    }

    /// Scalars in the MAE part.
    public var maeParameterCount: Int { maeTensorShapes.values.reduce(0) { $0 + $1.reduce(1, *) } }
}

/// One transformer block's parameters (checkpoint `blocks.{l}.*` or `decoder_blocks.{l}.*`).
struct BlockParameters {
    let norm1Weight, norm1Bias: UnsafePointer<Float> // norm1.{weight,bias}: [width]
    let qkvWeight: PackedWeight, qkvBias: UnsafePointer<Float> // attn.qkv: [3 * width, width], [3 * width]
    let projWeight: PackedWeight, projBias: UnsafePointer<Float> // attn.proj: [width, width], [width]
    let norm2Weight, norm2Bias: UnsafePointer<Float> // norm2.{weight,bias}: [width]
    let fc1Weight: PackedWeight, fc1Bias: UnsafePointer<Float> // mlp.fc1: [hidden, width], [hidden]
    let fc2Weight: PackedWeight, fc2Bias: UnsafePointer<Float> // mlp.fc2: [width, hidden], [width]

    /// Names (after the block prefix) and shapes of a block's tensors.
    static func tensorShapes(_ s: StackConfiguration) -> [(String, [Int])] {
        let w = s.width, h = s.mlpHidden
        return [
            ("norm1.weight", [w]), ("norm1.bias", [w]),
            ("attn.qkv.weight", [3 * w, w]), ("attn.qkv.bias", [3 * w]),
            ("attn.proj.weight", [w, w]), ("attn.proj.bias", [w]),
            ("norm2.weight", [w]), ("norm2.bias", [w]),
            ("mlp.fc1.weight", [h, w]), ("mlp.fc1.bias", [h]),
            ("mlp.fc2.weight", [w, h]), ("mlp.fc2.bias", [w])
        ]
    }

    init(prefix: String, _ p: (String) -> UnsafePointer<Float>, _ packed: (String) -> PackedWeight) {
        norm1Weight = p(prefix + "norm1.weight"); norm1Bias = p(prefix + "norm1.bias")
        qkvWeight = packed(prefix + "attn.qkv.weight"); qkvBias = p(prefix + "attn.qkv.bias")
        projWeight = packed(prefix + "attn.proj.weight"); projBias = p(prefix + "attn.proj.bias")
        norm2Weight = p(prefix + "norm2.weight"); norm2Bias = p(prefix + "norm2.bias")
        fc1Weight = packed(prefix + "mlp.fc1.weight"); fc1Bias = p(prefix + "mlp.fc1.bias")
        fc2Weight = packed(prefix + "mlp.fc2.weight"); fc2Bias = p(prefix + "mlp.fc2.bias")
    }
}

/// The MAE's weights as `linear` and the blocks read them: a pointer per tensor into a
/// `ModelWeights` block, the Linear weights (and the patch embedding, a Linear over flattened
/// patches) packed. Owns no memory of its own.
final class MAEParameters {
    let configuration: ModelConfiguration
    /// The block every pointer below points into.
    let weights: ModelWeights

    let patchWeight: PackedWeight, patchBias: UnsafePointer<Float> // patch_embed.proj: [width, 3*p*p], [width]
    let clsToken, positions: UnsafePointer<Float> // cls_token [width], pos_embed [197, width]
    let encoderBlocks: [BlockParameters]
    let normWeight, normBias: UnsafePointer<Float> // norm: [width]
    let decoderEmbedWeight: PackedWeight, decoderEmbedBias: UnsafePointer<Float> // decoder_embed: [dw, width], [dw]
    let maskToken, decoderPositions: UnsafePointer<Float> // mask_token [dw], decoder_pos_embed [197, dw]
    let decoderBlocks: [BlockParameters]
    let decoderNormWeight, decoderNormBias: UnsafePointer<Float> // decoder_norm: [dw]
    let predictionWeight: PackedWeight, predictionBias: UnsafePointer<Float> // decoder_pred: [vocab, dw], [vocab]

    /// Binds to `weights`, which must have been built for `.mae` of a model with configuration `c`.
    init(configuration c: ModelConfiguration, weights: ModelWeights) {
        precondition(weights.parts.contains(.mae), "MAE parameters bound to weights built without the MAE")
        precondition(
            weights.shape("pos_embed") == c.maeTensorShapes["pos_embed"]
                && weights.shape("decoder_pred.weight") == c.maeTensorShapes["decoder_pred.weight"],
            "MAE parameters bound to weights of another configuration")
        configuration = c
        self.weights = weights
        let p = weights.plain, packed = weights.packedLinear
        patchWeight = packed("patch_embed.proj.weight"); patchBias = p("patch_embed.proj.bias")
        clsToken = p("cls_token"); positions = p("pos_embed")
        encoderBlocks = (0..<c.encoder.depth).map { BlockParameters(prefix: "blocks.\($0).", p, packed) }
        normWeight = p("norm.weight"); normBias = p("norm.bias")
        decoderEmbedWeight = packed("decoder_embed.weight"); decoderEmbedBias = p("decoder_embed.bias")
        maskToken = p("mask_token"); decoderPositions = p("decoder_pos_embed")
        decoderBlocks = (0..<c.decoder.depth).map { BlockParameters(prefix: "decoder_blocks.\($0).", p, packed) }
        decoderNormWeight = p("decoder_norm.weight"); decoderNormBias = p("decoder_norm.bias")
        predictionWeight = packed("decoder_pred.weight"); predictionBias = p("decoder_pred.bias")
    }

    /// The blocks of one stack.
    func blocks(_ stack: Stack) -> [BlockParameters] { stack == .encoder ? encoderBlocks : decoderBlocks }
}
