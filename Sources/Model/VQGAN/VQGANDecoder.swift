/// The VQGAN decoder: token grids to images in [0, 1], as the published code renders a
/// prediction: codebook vectors -> post_quant_conv -> conv_in -> mid (block_1, attn_1, block_2)
/// -> levels from the lowest resolution up (`decoder.up.{level}`, level = levels-1 first;
/// residual blocks, attention at the lowest level, nearest 2x `Upsample` except at level 0)
/// -> norm_out, swish, conv_out -> clamp to [-1, 1] -> (x + 1) / 2.
///
/// Reads its weights from a `ModelWeights` block, which any number of decoders may share, and
/// works in a `VQGANWorkspace`, its own or one it shares with an encoder run on the same thread;
/// not thread-safe (use one decoder per thread).
public final class VQGANDecoder {
    public let configuration: VQGANConfiguration
    /// Grids processed together through each layer; larger batches use more memory.
    public var batchLimit = 1

    private struct Level {
        var blocks: [VQGANResnetBlock]
        var attentions: [VQGANAttnBlock]
        var upsample: Conv3x3Layer?
    }

    /// The block every layer below points into.
    private let weights: ModelWeights
    /// codebook: [codebookSize, embedDim].
    private let codebook: UnsafePointer<Float>
    private let postQuantConv: Conv1x1Layer
    private let convIn: Conv3x3Layer
    private let mid: VQGANMidBlock
    /// Indexed by level: levels[0] is the full resolution, run last.
    private let levels: [Level]
    private let normOut: GroupNormLayer
    private let convOut: Conv3x3Layer
    private let workspace: VQGANWorkspace

    /// Binds to `weights`, built (at least) for `.vqganDecoder` of this configuration with its
    /// tensors named under `prefix`; the decoder owns none of their memory. `workspace` may be an
    /// encoder's, when the two run one at a time on one thread.
    public init(
        configuration: VQGANConfiguration, weights: ModelWeights, prefix: String = "vae.",
        workspace: VQGANWorkspace = VQGANWorkspace()
    ) throws {
        let problems = configuration.problems
        if !problems.isEmpty { throw VQGANError.invalidConfiguration(problems) }
        precondition(weights.parts.contains(.vqganDecoder), "a VQGAN decoder bound to weights built without it")
        self.configuration = configuration
        self.weights = weights
        self.workspace = workspace
        let p = prefix + "decoder."
        codebook = weights.plain(prefix + "quantize.embedding.weight")
        postQuantConv = Conv1x1Layer(weights, prefix + "post_quant_conv")
        convIn = Conv3x3Layer(weights, p + "conv_in")
        mid = VQGANMidBlock(weights, p + "mid.")
        levels = (0..<configuration.levels).map { level in
            let isLowest = level == configuration.levels - 1
            return Level(
                blocks: (0..<configuration.decoderResBlocks).map {
                    VQGANResnetBlock(weights, p + "up.\(level).block.\($0)")
                },
                attentions: isLowest
                    ? (0..<configuration.decoderResBlocks).map {
                        VQGANAttnBlock(weights, p + "up.\(level).attn.\($0)")
                    } : [],
                upsample: level == 0 ? nil : Conv3x3Layer(weights, p + "up.\(level).upsample.conv"))
        }
        normOut = GroupNormLayer(weights, p + "norm_out")
        convOut = Conv3x3Layer(weights, p + "conv_out")
    }

    /// Builds the decoder from `weights` (names under `prefix`), checking every VQGAN tensor's
    /// presence and shape first; tensors outside the VQGAN are ignored. The decoder keeps its
    /// weights (Winograd filters and all) in process memory of its own; `weights` is unchanged.
    public convenience init(configuration: VQGANConfiguration, weights: WeightStore, prefix: String = "vae.") throws {
        let problems = configuration.problems
        if !problems.isEmpty { throw VQGANError.invalidConfiguration(problems) }
        try weights.validate(against: configuration.expectedTensors(prefix: prefix), allowExtra: true)
        let own = try ModelWeights(
            vqgan: configuration, prefix: prefix, parts: .vqganDecoder,
            arena: PrivateWeightArena()
        ) { (weights, "") }
        try self.init(configuration: configuration, weights: own, prefix: prefix)
    }

    /// Side of the decoded image for a grid side (16 for the five-level VQGAN).
    public func imageSide(gridSide: Int) -> Int { gridSide * configuration.downsampling }

    /// Decodes token grids to images.
    /// tokens: [count, gridHeight * gridWidth] raster -> [count, 3, gridHeight*16, gridWidth*16]
    /// channel-major, values in [0, 1].
    public func decode(tokens: [Int32], count: Int, gridHeight: Int, gridWidth: Int) throws -> [Float] {
        let positions = gridHeight * gridWidth
        guard gridHeight > 0, gridWidth > 0, tokens.count == count * positions else {
            throw VQGANError.bufferSize(
                what: "tokens for \(count) grids of \(gridHeight)x\(gridWidth)",
                expected: count * max(positions, 0), found: tokens.count)
        }
        if let bad = tokens.firstIndex(where: { $0 < 0 || Int($0) >= configuration.codebookSize }) {
            throw VQGANError.tokenOutOfRange(index: bad, token: tokens[bad], codebookSize: configuration.codebookSize)
        }
        let (height, width) = (imageSide(gridSide: gridHeight), imageSide(gridSide: gridWidth))
        let imageSize = configuration.outChannels * height * width
        var images = [Float](repeating: 0, count: count * imageSize)
        tokens.withUnsafeBufferPointer { t in
            images.withUnsafeMutableBufferPointer { out in
                var start = 0
                while start < count {
                    let batch = min(max(1, batchLimit), count - start)
                    decode(
                        t.baseAddress! + start * positions, batch: batch, gridHeight: gridHeight,
                        gridWidth: gridWidth, images: out.baseAddress! + start * imageSize)
                    start += batch
                }
            }
        }
        return images
    }

    /// Largest activation of one image, in floats, over the whole network.
    private func activationCount(gridHeight: Int, gridWidth: Int) -> Int {
        let c = configuration
        var largest = max(c.embedDim, c.zChannels, c.channels(level: c.levels - 1)) * gridHeight * gridWidth
        var channels = c.channels(level: c.levels - 1)
        var (h, w) = (gridHeight, gridWidth)
        for level in stride(from: c.levels - 1, through: 0, by: -1) {
            channels = c.channels(level: level)
            largest = max(largest, max(levels[level].blocks[0].cIn, channels) * h * w)
            if level != 0 {
                (h, w) = (2 * h, 2 * w)
                largest = max(largest, channels * h * w)
            }
        }
        return max(largest, c.outChannels * h * w)
    }

    /// tokens: [batch, gridHeight*gridWidth] -> images: [batch, 3, height, width] in [0, 1].
    private func decode(
        _ tokens: UnsafePointer<Int32>, batch: Int, gridHeight: Int, gridWidth: Int,
        images: UnsafeMutablePointer<Float>
    ) {
        let c = configuration
        let size = batch * activationCount(gridHeight: gridHeight, gridWidth: gridWidth)
        var current = workspace.buffer(.current, count: size)
        var other = workspace.buffer(.other, count: size)

        var (h, w) = (gridHeight, gridWidth)
        let positions = h * w
        for image in 0..<batch {
            codebookLookup(
                tokens + image * positions, positions: positions, dim: c.embedDim,
                codebook: codebook, other + image * c.embedDim * positions)
        }
        postQuantConv.apply(other, current, batch: batch, pixels: positions)
        convIn.apply(.plain(current), other, batch: batch, height: h, width: w, workspace: workspace)
        swap(&current, &other)

        mid.apply(
            current, spare: other, spareCount: size, batch: batch, height: h, width: w, configuration: c,
            workspace: workspace)

        for level in levels.reversed() {
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
            if let upsample = level.upsample {
                (h, w) = (2 * h, 2 * w)
                upsample.apply(.upsampled(current), other, batch: batch, height: h, width: w, workspace: workspace)
                swap(&current, &other)
            }
        }

        let pixels = h * w
        let statistics = workspace.buffer(.statistics, count: 2 * batch * normOut.channels)
        convOut.apply(
            normOut.source(
                current, batch: batch, height: h, width: w, configuration: c, swish: true, statistics: statistics),
            images, batch: batch, height: h, width: w, workspace: workspace)
        let count = batch * c.outChannels * pixels
        for i in 0..<count {
            images[i] = (min(max(images[i], -1), 1) + 1) / 2
        }
    }
}
