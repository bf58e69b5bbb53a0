import Model

extension CheckpointConversion {
    /// The largest size a model dimension (a width, an MLP width, the position count, a channel
    /// count, the codebook) may have when read off a checkpoint: 2^20, over a hundred times the
    /// published ViTs' and VQGANs', and small enough that every product the configuration forms
    /// (3 x width, grid x patch, channels x multiplier, width x MLP width) fits in `Int`.
    public static let largestDimension = 1 << 20

    /// Reads the model's dimensions off tensor shapes (PyTorch layouts): widths from the patch
    /// embedding and decoder embedding, depths by counting blocks, the grid from the position
    /// table, the VQGAN from its convolutions. Head counts are not visible in any shape: they come
    /// from `heads`, or from the preset whose widths match (the released ViT-L: 16 and 16).
    ///
    /// Every size read is checked to lie in `1 ... largestDimension` before any arithmetic, so a
    /// damaged or crafted file (a size 0, or near `Int.max` through a stride-0 view) is refused
    /// naming the file and the tensor; `files` gives each tensor's file (its name when absent).
    public static func inferConfiguration(
        from shapes: [String: [Int]], files: [String: String] = [:],
        heads: (encoder: Int, decoder: Int)?
    ) throws -> ModelConfiguration {
        func shape(_ name: String, rank: Int) throws -> [Int] {
            guard let s = shapes[name] else {
                throw ConversionError.cannotInfer(
                    files: [], "the checkpoint has no '\(name)'; is this an MAE-VQGAN checkpoint?")
            }
            guard s.count == rank else {
                throw ConversionError.cannotInfer(files: [], "'\(name)' has shape \(s), expected \(rank) dimensions")
            }
            guard s.allSatisfy({ (1...largestDimension).contains($0) }) else {
                throw ConversionError.implausibleSize(
                    file: files[name] ?? "the checkpoint", tensor: name,
                    "shape \(s) has a size outside 1...\(largestDimension), which no MAE-VQGAN has; the file is damaged or not an MAE-VQGAN checkpoint"
                )
            }
            return s
        }
        func count(_ prefix: String, _ suffix: String) -> Int {
            var n = 0
            while shapes["\(prefix)\(n)\(suffix)"] != nil { n += 1 }
            return n
        }
        let patch = try shape("patch_embed.proj.weight", rank: 4)
        let positions = try shape("pos_embed", rank: 3)[1]
        let grid = Int(Double(positions - 1).squareRoot().rounded())
        guard grid * grid == positions - 1 else {
            throw ConversionError.cannotInfer(files: [], "pos_embed has \(positions) rows, not 1 + a square grid")
        }
        let encoderWidth = patch[0], patchSize = patch[2]
        let decoderWidth = try shape("decoder_embed.weight", rank: 2)[0]
        let encoderMLP = try shape("blocks.0.mlp.fc1.weight", rank: 2)[0]
        let decoderMLP = try shape("decoder_blocks.0.mlp.fc1.weight", rank: 2)[0]
        let vocabulary = try shape("decoder_pred.weight", rank: 2)[0]
        let headCounts: (encoder: Int, decoder: Int)
        if let heads {
            headCounts = heads
        } else if let preset = ModelConfiguration.presets.values.first(where: {
            $0.encoder.width == encoderWidth && $0.decoder.width == decoderWidth
        }) {
            headCounts = (preset.encoder.heads, preset.decoder.heads)
        } else {
            throw ConversionError.cannotInfer(
                files: [],
                "head counts are not stored in the checkpoint and widths \(encoderWidth)/\(decoderWidth) match no preset; pass --heads ENCODER,DECODER"
            )
        }

        guard shapes["vae.encoder.conv_in.weight"] != nil else {
            throw ConversionError.cannotInfer(
                files: [],
                "the checkpoint holds no VQGAN (no vae.* tensors); pass --vqgan CKPT with the VQGAN checkpoint")
        }
        let ch = try shape("vae.encoder.conv_in.weight", rank: 4)[0]
        let levels = count("vae.encoder.down.", ".block.0.conv1.weight")
        guard levels > 0 else {
            throw ConversionError.cannotInfer(
                files: [],
                "no VQGAN encoder levels (vae.encoder.down.*); pass --vqgan CKPT if the VQGAN is a separate file")
        }
        let chMult = try (0..<levels).map { try shape("vae.encoder.down.\($0).block.0.conv1.weight", rank: 4)[0] / ch }
        let vqgan = VQGANConfiguration(
            ch: ch, chMult: chMult, resBlocks: count("vae.encoder.down.0.block.", ".conv1.weight"),
            zChannels: try shape("vae.encoder.conv_out.weight", rank: 4)[0],
            embedDim: try shape("vae.quant_conv.weight", rank: 4)[0],
            codebookSize: try shape("vae.quantize.embedding.weight", rank: 2)[0])
        let configuration = ModelConfiguration(
            imageSize: grid * patchSize, patchSize: patchSize,
            encoder: StackConfiguration(
                width: encoderWidth, depth: count("blocks.", ".norm1.weight"),
                heads: headCounts.encoder, mlpHidden: encoderMLP),
            decoder: StackConfiguration(
                width: decoderWidth, depth: count("decoder_blocks.", ".norm1.weight"),
                heads: headCounts.decoder, mlpHidden: decoderMLP),
            vocabulary: vocabulary, vqgan: vqgan)
        let problems = configuration.problems
        guard problems.isEmpty else { throw ConversionError.cannotInfer(files: [], problems.joined(separator: "; ")) }
        return configuration
    }
}
