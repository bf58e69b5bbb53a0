/// The VQGAN tokenizer: canvases in [0, 1] to codebook token ids, as the MAE-VQGAN computes its
/// training targets and the fixture's `vqgan_tokens`:
/// 2x-1 -> conv_in -> levels (residual blocks, attention at the lowest level, `Downsample`
/// except after the last) -> mid (block_1, attn_1, block_2) -> norm_out, swish, conv_out ->
/// quant_conv -> nearest codebook row per position.
///
/// Reads its weights from a `ModelWeights` block, which any number of encoders may share, and
/// works in a `VQGANWorkspace`, its own or one it shares with a decoder run on the same thread;
/// not thread-safe (use one encoder per thread).
public final class VQGANEncoder {
    public let configuration: VQGANConfiguration
    /// Canvases processed together through each layer. Every layer works image by image, so the
    /// tokens do not depend on it; a larger batch only holds more canvases' activations at once
    /// (about 75 MiB more per canvas at 224 x 224) and was no faster (docs/benchmarks.md, "One
    /// copy of the weights per node").
    public var batchLimit = 1

    private struct Level {
        var blocks: [VQGANResnetBlock]
        var attentions: [VQGANAttnBlock]
        var downsample: Conv3x3Layer?
    }

    /// The block every layer below points into.
    private let weights: ModelWeights
    private let convIn: Conv3x3Layer
    private let levels: [Level]
    private let mid: VQGANMidBlock
    private let normOut: GroupNormLayer
    private let convOut: Conv3x3Layer
    private let quantConv: Conv1x1Layer
    /// codebook: [codebookSize, embedDim]; codebookNorms: [codebookSize].
    private let codebook: UnsafePointer<Float>
    private let codebookNorms: UnsafePointer<Float>
    private let workspace: VQGANWorkspace

    /// Binds to `weights`, built (at least) for `.vqganEncoder` of this configuration with its
    /// tensors named under `prefix`; the encoder owns none of their memory. `workspace` may be a
    /// decoder's, when the two run one at a time on one thread.
    public init(
        configuration: VQGANConfiguration, weights: ModelWeights, prefix: String = "vae.",
        workspace: VQGANWorkspace = VQGANWorkspace()
    ) throws {
        let problems = configuration.problems
        if !problems.isEmpty { throw VQGANError.invalidConfiguration(problems) }
        precondition(weights.parts.contains(.vqganEncoder), "a VQGAN encoder bound to weights built without it")
        self.configuration = configuration
        self.weights = weights
        self.workspace = workspace
        let p = prefix + "encoder."
        convIn = Conv3x3Layer(weights, p + "conv_in")
        levels = (0..<configuration.levels).map { level in
            let isLowest = level == configuration.levels - 1
            return Level(
                blocks: (0..<configuration.resBlocks).map {
                    VQGANResnetBlock(weights, p + "down.\(level).block.\($0)")
                },
                attentions: isLowest
                    ? (0..<configuration.resBlocks).map {
                        VQGANAttnBlock(weights, p + "down.\(level).attn.\($0)")
                    } : [],
                downsample: isLowest ? nil : Conv3x3Layer(weights, p + "down.\(level).downsample.conv", stride: 2))
        }
        mid = VQGANMidBlock(weights, p + "mid.")
        normOut = GroupNormLayer(weights, p + "norm_out")
        convOut = Conv3x3Layer(weights, p + "conv_out")
        quantConv = Conv1x1Layer(weights, prefix + "quant_conv")
        codebook = weights.plain(prefix + "quantize.embedding.weight")
        codebookNorms = weights.squaredRowNorms(prefix + "quantize.embedding.weight")
    }

    /// Builds the encoder from `weights` (names under `prefix`), checking every VQGAN tensor's
    /// presence and shape first; tensors outside the VQGAN are ignored. The encoder keeps its
    /// weights (Winograd filters and all) in process memory of its own; `weights` is unchanged.
    public convenience init(configuration: VQGANConfiguration, weights: WeightStore, prefix: String = "vae.") throws {
        let problems = configuration.problems
        if !problems.isEmpty { throw VQGANError.invalidConfiguration(problems) }
        try weights.validate(against: configuration.expectedTensors(prefix: prefix), allowExtra: true)
        let own = try ModelWeights(
            vqgan: configuration, prefix: prefix, parts: .vqganEncoder,
            arena: PrivateWeightArena()
        ) { (weights, "") }
        try self.init(configuration: configuration, weights: own, prefix: prefix)
    }

    /// Token ids of each canvas, raster order over its (height/16) x (width/16) grid.
    /// canvases: [count, 3, height, width] in [0, 1], channel-major -> [count, grid positions].
    public func tokens(canvases: [Float], count: Int, height: Int, width: Int) throws -> [Int32] {
        let f = configuration.downsampling
        guard height > 0, width > 0, height % f == 0, width % f == 0 else {
            throw VQGANError.canvasSize(height: height, width: width, multiple: f)
        }
        let canvasSize = configuration.inChannels * height * width
        guard canvases.count == count * canvasSize else {
            throw VQGANError.bufferSize(
                what: "canvases for \(count) canvases of \(configuration.inChannels)x\(height)x\(width)",
                expected: count * canvasSize, found: canvases.count)
        }
        let positions = (height / f) * (width / f)
        var tokens = [Int32](repeating: 0, count: count * positions)
        canvases.withUnsafeBufferPointer { input in
            tokens.withUnsafeMutableBufferPointer { out in
                var start = 0
                while start < count {
                    let batch = min(max(1, batchLimit), count - start)
                    encode(
                        input.baseAddress! + start * canvasSize, batch: batch, height: height, width: width,
                        tokens: out.baseAddress! + start * positions)
                    start += batch
                }
            }
        }
        return tokens
    }

    /// Largest activation of one image, in floats, over the whole network.
    private func activationCount(height: Int, width: Int) -> Int {
        var (h, w) = (height, width)
        var largest = max(configuration.inChannels, configuration.ch) * h * w
        for (l, level) in levels.enumerated() {
            largest = max(largest, max(level.blocks[0].cIn, configuration.channels(level: l)) * h * w)
            if level.downsample != nil { (h, w) = (downsampledSide(h), downsampledSide(w)) }
        }
        return max(largest, max(configuration.zChannels, configuration.embedDim) * h * w)
    }

    /// canvases: [batch, 3, height, width] in [0, 1] -> tokens: [batch, positions].
    private func encode(
        _ canvases: UnsafePointer<Float>, batch: Int, height: Int, width: Int,
        tokens: UnsafeMutablePointer<Int32>
    ) {
        let c = configuration
        let size = batch * activationCount(height: height, width: width)
        var current = workspace.buffer(.current, count: size)
        var other = workspace.buffer(.other, count: size)

        let inputCount = batch * c.inChannels * height * width
        for i in 0..<inputCount { other[i] = 2 * canvases[i] - 1 }
        convIn.apply(.plain(other), current, batch: batch, height: height, width: width, workspace: workspace)

        var (h, w) = (height, width)
        for level in levels {
            for (b, block) in level.blocks.enumerated() {
                let out = block.apply(
                    current, spare: other, spareCount: size, batch: batch, height: h, width: w,
                    configuration: c, workspace: workspace)
                if out != current { swap(&current, &other) }
                if !level.attentions.isEmpty {
                    level.attentions[b].apply(
                        current, spare: other, batch: batch, height: h, width: w,
                        configuration: c, workspace: workspace)
                }
            }
            if let downsample = level.downsample {
                downsample.applyStride2(
                    current, other, capacity: size, batch: batch, height: h, width: w, workspace: workspace)
                swap(&current, &other)
                (h, w) = (downsampledSide(h), downsampledSide(w))
            }
        }
        mid.apply(
            current, spare: other, spareCount: size, batch: batch, height: h, width: w, configuration: c,
            workspace: workspace)

        let positions = h * w
        let statistics = workspace.buffer(.statistics, count: 2 * batch * normOut.channels)
        convOut.apply(
            normOut.source(
                current, batch: batch, height: h, width: w, configuration: c, swish: true, statistics: statistics),
            other, batch: batch, height: h, width: w, workspace: workspace)
        quantConv.apply(other, current, batch: batch, pixels: positions)

        let products = workspace.buffer(.products, count: positions * c.codebookSize)
        for image in 0..<batch {
            quantizeNearest(
                current + image * c.embedDim * positions, positions: positions, dim: c.embedDim,
                codebook: codebook, norms: codebookNorms, size: c.codebookSize,
                tokens: tokens + image * positions, products: products)
        }
    }
}
