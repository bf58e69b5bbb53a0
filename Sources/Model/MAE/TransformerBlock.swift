/// The rows one sample occupies in a batch's token matrix.
struct SampleRows {
    /// First row of the sample.
    var offset: Int
    /// Number of rows (the sample's tokens).
    var tokens: Int
}

/// Scratch buffers of one stack pass, sized for the largest batch seen (see `MAEWorkspace`).
struct BlockScratch {
    /// LayerNorm output: [rows, width]
    let normed: UnsafeMutablePointer<Float>
    /// qkv Linear output: [rows, 3 * width]
    let qkv: UnsafeMutablePointer<Float>
    /// Head outputs o, heads concatenated: [rows, width]
    let heads: UnsafeMutablePointer<Float>
    /// MLP hidden activations: [rows, mlpHidden]
    let hidden: UnsafeMutablePointer<Float>
    /// Attention scores of `scoreSlots` heads at once: [scoreSlots, tokens, tokens] for the
    /// longest sample
    let scores: UnsafeMutablePointer<Float>
    let scoreSlots: Int
}

/// One pre-norm transformer block over a ragged batch, in place on the residual stream:
/// x = x + proj(Attention(LN1(x))); x = x + fc2(GELU(fc1(LN2(x)))).
/// x: [rows, width] row-major, the samples' tokens stacked (`samples` gives each one's rows);
/// attention mixes tokens only within a sample, every Linear runs once over all rows.
/// `headOutputs` is called for each sample with its head outputs o ([tokens, width], leading
/// dimension width) after attention and before `proj`: the place to patch and record them.
func transformerBlock(
    _ p: BlockParameters, _ s: StackConfiguration, eps: Float,
    x: UnsafeMutablePointer<Float>, rows: Int, samples: [SampleRows],
    scratch: BlockScratch,
    headOutputs: (_ sample: Int, _ o: UnsafeMutablePointer<Float>) -> Void
) {
    let w = s.width
    layerNorm(x, rows: rows, width: w, weight: p.norm1Weight, bias: p.norm1Bias, eps: eps, into: scratch.normed)
    linear(scratch.normed, rows: rows, weight: p.qkvWeight, bias: p.qkvBias, into: scratch.qkv)
    for (i, sample) in samples.enumerated() {
        let o = scratch.heads + sample.offset * w
        attentionHeadOutputs(
            qkv: scratch.qkv + sample.offset * 3 * w, tokens: sample.tokens, width: w,
            heads: s.heads, scores: scratch.scores, scoreSlots: scratch.scoreSlots, into: o)
        headOutputs(i, o)
    }
    linear(scratch.heads, rows: rows, weight: p.projWeight, bias: p.projBias, into: x, accumulate: true)

    layerNorm(x, rows: rows, width: w, weight: p.norm2Weight, bias: p.norm2Bias, eps: eps, into: scratch.normed)
    linear(scratch.normed, rows: rows, weight: p.fc1Weight, bias: p.fc1Bias, into: scratch.hidden, gelu: true)
    linear(scratch.hidden, rows: rows, weight: p.fc2Weight, bias: p.fc2Bias, into: x, accumulate: true)
}
