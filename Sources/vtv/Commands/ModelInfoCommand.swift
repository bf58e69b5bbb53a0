import Foundation
import Model
import Pipeline

/// `vtv model info`: a model file's configuration, parameter counts and content hash.
let modelInfoCommand = Command(
    name: "model info",
    summary: "describe a model file: configuration, parameter counts, content hash",
    discussion: """
        Validates every tensor against the configuration. The content hash is 64-bit FNV-1a over the
        tensors in name order (name, a zero byte, rank and dimensions as little-endian Int64, float32
        values as little-endian bytes): equal hashes mean equal weights, bit for bit.
        """,
    positional: ["M.h5"]
) { args in
    let path = args.positional[0]
    let (c, weights) = try ModelFile.read(path)
    let mae = c.maeParameterCount
    func stack(_ s: StackConfiguration) -> String {
        "\(s.depth) blocks, width \(s.width), \(s.heads) heads of \(s.headWidth), MLP \(s.mlpHidden)"
    }
    print(
        """
        \(path)
          canvas:     \(c.imageSize)x\(c.imageSize), patch \(c.patchSize) (\(c.grid)x\(c.grid) tokens)
          encoder:    \(stack(c.encoder))
          decoder:    \(stack(c.decoder))
          vocabulary: \(c.vocabulary), LayerNorm eps \(c.normEps)
          VQGAN:      ch \(c.vqgan.ch) x \(c.vqgan.chMult), \(c.vqgan.resBlocks) res blocks per level, z \(c.vqgan.zChannels), codebook \(c.vqgan.codebookSize) x \(c.vqgan.embedDim)
          parameters: \(weights.parameterCount) (MAE \(mae), VQGAN \(weights.parameterCount - mae)) in \(weights.tensors.count) tensors
          FLOPs:      \(String(format: "%.2f", c.forwardFLOPs(.oneShot) / 1e9)) G one-shot, \(String(format: "%.2f", c.forwardFLOPs(.zeroShot) / 1e9)) G zero-shot (MAE, per sample)
                      + \(String(format: "%.2f", c.vqganDecodeFLOPs / 1e9)) G VQGAN decoding per prediction in either mode (docs/paper.md#flops)
          hash:       \(weights.contentHash) (FNV-1a 64)
        """)
    return 0
}
