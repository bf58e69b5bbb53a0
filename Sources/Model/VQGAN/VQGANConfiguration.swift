import Imaging
import Randomness

/// The shape of a taming-transformers VQGAN ("imagenet f16 1024" in the released MAE-VQGAN):
/// a convolutional encoder that maps a canvas to a grid of codebook tokens, 16x smaller per side
/// for five levels, and a decoder that maps a token grid back to pixels.
///
/// Checkpoint names (under `vae.` in the MAE-VQGAN checkpoint) follow taming's modules:
/// `encoder.down.{level}.block.{b}`, `encoder.down.{level}.attn.{b}`, `decoder.up.{level}...`,
/// `quant_conv`, `post_quant_conv`, `quantize.embedding.weight`; see `expectedTensors(prefix:)`.
public struct VQGANConfiguration: Equatable, Codable, Sendable {
    /// Base channel count (`ch`).
    public var ch: Int
    /// Channel multiplier per level (`ch_mult`); level l has `ch * chMult[l]` channels and the
    /// last level is the lowest resolution, where the attention blocks are.
    public var chMult: [Int]
    /// Residual blocks per encoder level (`num_res_blocks`); the decoder uses one more per level.
    public var resBlocks: Int
    /// Channels of the encoder output and decoder input (`z_channels`).
    public var zChannels: Int
    /// Width of a codebook vector (`embed_dim`).
    public var embedDim: Int
    /// Number of codebook vectors (`n_embed`), the token vocabulary.
    public var codebookSize: Int
    /// Image channels in and out.
    public var inChannels: Int
    public var outChannels: Int
    /// GroupNorm groups and epsilon (taming's `Normalize`).
    public var groups: Int
    public var eps: Float

    enum CodingKeys: String, CodingKey {
        case ch
        case chMult = "ch_mult"
        case resBlocks = "num_res_blocks"
        case zChannels = "z_channels"
        case embedDim = "embed_dim"
        case codebookSize = "n_embed"
        case inChannels = "in_channels"
        case outChannels = "out_ch"
        case groups, eps
    }

    public init(
        ch: Int, chMult: [Int], resBlocks: Int, zChannels: Int, embedDim: Int,
        codebookSize: Int, inChannels: Int = rgbChannels, outChannels: Int = rgbChannels,
        groups: Int = 32, eps: Float = 1e-6
    ) {
        self.ch = ch
        self.chMult = chMult
        self.resBlocks = resBlocks
        self.zChannels = zChannels
        self.embedDim = embedDim
        self.codebookSize = codebookSize
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.groups = groups
        self.eps = eps
    }

    /// The released MAE-VQGAN's VQGAN (taming "imagenet f16 1024").
    public static let released = VQGANConfiguration(
        ch: 128, chMult: [1, 1, 2, 2, 4], resBlocks: 2,
        zChannels: 256, embedDim: 256, codebookSize: 1024)

    /// The VQGAN of the `official-small` fixture.
    public static let small = VQGANConfiguration(
        ch: 32, chMult: [1, 1, 1, 1, 2], resBlocks: 1,
        zChannels: 32, embedDim: 16, codebookSize: 1024)

    /// A minimal configuration for fast tests (still five levels, so a 224 canvas is a 14x14 grid).
    public static let tiny = VQGANConfiguration(
        ch: 32, chMult: [1, 1, 1, 1, 1], resBlocks: 1,
        zChannels: 32, embedDim: 8, codebookSize: 64)

    /// Number of resolution levels.
    public var levels: Int { chMult.count }
    /// Pixels per token along a side: each level but the last halves the resolution.
    public var downsampling: Int { 1 << (levels - 1) }
    /// Channels at level `level`.
    public func channels(level: Int) -> Int { ch * chMult[level] }
    /// Residual blocks per decoder level.
    public var decoderResBlocks: Int { resBlocks + 1 }

    /// Problems that make the configuration unusable, in words (empty when valid).
    public var problems: [String] {
        var found: [String] = []
        let sizes = [ch, resBlocks, zChannels, embedDim, codebookSize, inChannels, outChannels, groups] + chMult
        if sizes.contains(where: { $0 > 1 << 20 }) || chMult.count > 16 {
            return ["a VQGAN size is implausibly large (every size at most 2^20, at most 16 levels): \(sizes)"]
        }
        if ch <= 0 || resBlocks <= 0 || zChannels <= 0 || embedDim <= 0 || codebookSize <= 0
            || inChannels <= 0 || outChannels <= 0 || groups <= 0
        {
            found.append("every VQGAN size must be positive")
        }
        if chMult.isEmpty || chMult.contains(where: { $0 <= 0 }) {
            found.append("ch_mult \(chMult) must be a non-empty list of positive multipliers")
            return found
        }
        if !(eps.isFinite && eps > 0) { found.append("vq_eps \(eps) must be a positive number") }
        let widths = [ch] + chMult.map { ch * $0 }
        if groups > 0, let bad = widths.first(where: { $0 % groups != 0 }) {
            found.append("channel count \(bad) is not divisible by \(groups) GroupNorm groups")
        }
        return found
    }

    /// Every VQGAN tensor with its PyTorch shape (conv weights [out, in, kh, kw]), named as in
    /// the checkpoint with `prefix` (`vae.` inside the MAE-VQGAN checkpoint, "" for a bare VQGAN).
    public func expectedTensors(prefix: String = "vae.") -> [String: [Int]] {
        var t: [String: [Int]] = [:]
        func conv(_ name: String, _ cIn: Int, _ cOut: Int, _ k: Int) {
            t[prefix + name + ".weight"] = [cOut, cIn, k, k]
            t[prefix + name + ".bias"] = [cOut]
        }
        func norm(_ name: String, _ c: Int) {
            t[prefix + name + ".weight"] = [c]
            t[prefix + name + ".bias"] = [c]
        }
        func resnet(_ name: String, _ cIn: Int, _ cOut: Int) {
            norm(name + ".norm1", cIn)
            conv(name + ".conv1", cIn, cOut, 3)
            norm(name + ".norm2", cOut)
            conv(name + ".conv2", cOut, cOut, 3)
            if cIn != cOut { conv(name + ".nin_shortcut", cIn, cOut, 1) }
        }
        func attention(_ name: String, _ c: Int) {
            norm(name + ".norm", c)
            for p in ["q", "k", "v", "proj_out"] { conv(name + "." + p, c, c, 1) }
        }
        func mid(_ name: String, _ c: Int) {
            resnet(name + ".block_1", c, c)
            attention(name + ".attn_1", c)
            resnet(name + ".block_2", c, c)
        }
        let lowest = levels - 1

        conv("encoder.conv_in", inChannels, ch, 3)
        var c = ch
        for level in 0..<levels {
            for b in 0..<resBlocks {
                resnet("encoder.down.\(level).block.\(b)", c, channels(level: level))
                c = channels(level: level)
                if level == lowest { attention("encoder.down.\(level).attn.\(b)", c) }
            }
            if level != lowest { conv("encoder.down.\(level).downsample.conv", c, c, 3) }
        }
        mid("encoder.mid", c)
        norm("encoder.norm_out", c)
        conv("encoder.conv_out", c, zChannels, 3)
        conv("quant_conv", zChannels, embedDim, 1)
        t[prefix + "quantize.embedding.weight"] = [codebookSize, embedDim]
        conv("post_quant_conv", embedDim, zChannels, 1)

        c = channels(level: lowest)
        conv("decoder.conv_in", zChannels, c, 3)
        mid("decoder.mid", c)
        for level in stride(from: lowest, through: 0, by: -1) {
            for b in 0..<decoderResBlocks {
                resnet("decoder.up.\(level).block.\(b)", c, channels(level: level))
                c = channels(level: level)
                if level == lowest { attention("decoder.up.\(level).attn.\(b)", c) }
            }
            if level != 0 { conv("decoder.up.\(level).upsample.conv", c, c, 3) }
        }
        norm("decoder.norm_out", c)
        conv("decoder.conv_out", c, outChannels, 3)
        return t
    }

    /// Random weights for every tensor of `expectedTensors(prefix:)`, drawn from streams keyed by
    /// (`seed`, tensor name), so the result does not depend on the order of the names.
    /// Convolutions follow PyTorch's default `Conv2d` init (weights and biases uniform in
    /// ±1/sqrt(fan-in)); GroupNorm is the identity (weight 1, bias 0); the codebook is uniform in
    /// ±1/codebookSize as in taming's `VectorQuantizer`.
    public func initialize(seed: UInt64, prefix: String = "vae.") -> WeightStore {
        var store = WeightStore()
        let shapes = expectedTensors(prefix: prefix)
        for (name, shape) in shapes {
            let count = shape.reduce(1, *)
            let stream = RandomStream(seed: seed, name: name)
            let base = name.hasSuffix(".weight") ? name.dropLast(7) : name.dropLast(5)
            let bound: Float
            if name.hasSuffix("quantize.embedding.weight") {
                bound = 1 / Float(codebookSize)
            } else if let w = shapes[base + ".weight"], w.count == 4 {
                bound = 1 / Float(w[1] * w[2] * w[3]).squareRoot()
            } else {
                // GroupNorm affine: the identity.
                let value: Float = name.hasSuffix(".weight") ? 1 : 0
                store[name] = Tensor(shape: shape, values: [Float](repeating: value, count: count))
                continue
            }
            store[name] = Tensor(shape: shape, values: (0..<count).map { stream.uniform(UInt64($0), -bound, bound) })
        }
        return store
    }
}
