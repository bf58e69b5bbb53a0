/// The middle of both VQGAN stacks (taming's `mid`): block_1, attn_1, block_2 at the lowest
/// resolution, channels unchanged, so the result stays in `x`.
struct VQGANMidBlock {
    let block1: VQGANResnetBlock
    let attention: VQGANAttnBlock
    let block2: VQGANResnetBlock

    /// Reads `<prefix>block_1`, `<prefix>attn_1`, `<prefix>block_2` (prefix e.g. "vae.decoder.mid.").
    init(_ weights: ModelWeights, _ prefix: String) {
        block1 = VQGANResnetBlock(weights, prefix + "block_1")
        attention = VQGANAttnBlock(weights, prefix + "attn_1")
        block2 = VQGANResnetBlock(weights, prefix + "block_2")
    }

    /// x: [batch, channels, height, width], updated in place; spare: a buffer of the same size
    /// (`spareCount` floats).
    func apply(
        _ x: UnsafeMutablePointer<Float>, spare: UnsafeMutablePointer<Float>, spareCount: Int, batch: Int,
        height: Int, width: Int, configuration c: VQGANConfiguration, workspace: VQGANWorkspace
    ) {
        _ = block1.apply(
            x, spare: spare, spareCount: spareCount, batch: batch, height: height, width: width, configuration: c,
            workspace: workspace)
        attention.apply(
            x, spare: spare, batch: batch, height: height, width: width, configuration: c, workspace: workspace)
        _ = block2.apply(
            x, spare: spare, spareCount: spareCount, batch: batch, height: height, width: width, configuration: c,
            workspace: workspace)
    }
}
