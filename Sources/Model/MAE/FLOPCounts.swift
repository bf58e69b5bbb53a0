import Imaging

extension ModelConfiguration {
    /// Analytic FLOPs of one sample's MAE forward pass in `mode`: 2*m*n*k for every matrix
    /// product (patch embedding, qkv, q k^T, attention x v, proj, MLP, decoder embedding,
    /// prediction); norms, softmax and GELU are not counted. The same count as
    /// tools/bench/torch_forward.py. ViT-L: 35.82 GFLOP zero-shot, 102.69 one-shot.
    public func forwardFLOPs(_ mode: PromptMode) -> Double {
        let layout = TokenLayout(mode: mode, grid: grid)
        func stack(_ s: StackConfiguration, tokens t: Double) -> Double {
            let w = Double(s.width), h = Double(s.mlpHidden)
            return Double(s.depth) * (2 * t * w * (3 * w + w + 2 * h) + 2 * 2 * t * t * w)
        }
        let visible = Double(layout.visible.count), kept = Double(layout.kept.count)
        let te = Double(layout.encoderTokens), td = Double(layout.decoderTokens)
        let e = Double(encoder.width), d = Double(decoder.width)
        return 2 * visible * Double(rgbChannels * patchSize * patchSize) * e + stack(encoder, tokens: te)
            + 2 * te * e * d + stack(decoder, tokens: td) + 2 * kept * d * Double(vocabulary)
    }

    /// Analytic FLOPs of the VQGAN decoding of one predicted token grid to the canvas
    /// (`VQGANBenchmark.flops`, 2 per multiply-add of every convolution and attention product):
    /// every mode decodes a whole grid (zero-shot duplicates its bottom half), so the cost is the
    /// same in each. The paper counts it with the MAE (docs/paper.md#flops). ViT-L: 193.41 GFLOP.
    public var vqganDecodeFLOPs: Double {
        VQGANBenchmark.flops(vqgan, stage: .decode, side: grid * vqgan.downsampling)
    }
}
