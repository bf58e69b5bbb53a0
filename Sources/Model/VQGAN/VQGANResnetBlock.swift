/// taming's `ResnetBlock` (no time embedding, no dropout at inference):
/// h = conv2(swish(GN2(conv1(swish(GN1(x)))))), output = shortcut(x) + h, where the shortcut is
/// the identity, or the 1x1 `nin_shortcut` when the channel count changes.
/// Checkpoint names: `<name>.{norm1, conv1, norm2, conv2, nin_shortcut}`.
struct VQGANResnetBlock {
    let norm1: GroupNormLayer
    let conv1: Conv3x3Layer
    let norm2: GroupNormLayer
    let conv2: Conv3x3Layer
    let shortcut: Conv1x1Layer?

    var cIn: Int { conv1.cIn }
    var cOut: Int { conv1.cOut }

    init(_ weights: ModelWeights, _ name: String) {
        norm1 = GroupNormLayer(weights, name + ".norm1")
        conv1 = Conv3x3Layer(weights, name + ".conv1")
        norm2 = GroupNormLayer(weights, name + ".norm2")
        conv2 = Conv3x3Layer(weights, name + ".conv2")
        shortcut = conv1.cIn == conv1.cOut ? nil : Conv1x1Layer(weights, name + ".nin_shortcut")
    }

    /// x: [batch, cIn, height, width] in `x`; the result, [batch, cOut, height, width], is left in
    /// `x` when the channels stay the same (in place) and in `spare` otherwise. Returns which.
    /// spare: at least [batch, cOut, height, width] (`spareCount` floats); it also holds conv1's
    /// output on the way, so its contents are lost either way. Each GroupNorm (and swish) is
    /// applied as its convolution reads it (`GroupNormLayer.source`), so no normalised copy of
    /// an activation is ever whole.
    func apply(
        _ x: UnsafeMutablePointer<Float>, spare: UnsafeMutablePointer<Float>, spareCount: Int,
        batch: Int, height: Int, width: Int,
        configuration: VQGANConfiguration, workspace: VQGANWorkspace
    ) -> UnsafeMutablePointer<Float> {
        let pixels = height * width
        let statistics = workspace.buffer(.statistics, count: 2 * batch * max(cIn, cOut))
        // conv1's output: in `spare`, or with a shortcut (whose output goes to `spare` while conv2
        // still reads conv1's) past the output in `spare` when it holds both, else a buffer of its own.
        let outputCount = batch * cOut * pixels
        let hidden =
            shortcut == nil
            ? spare
            : spareCount >= 2 * outputCount ? spare + outputCount : workspace.buffer(.hidden, count: outputCount)
        conv1.apply(
            norm1.source(
                x, batch: batch, height: height, width: width, configuration: configuration, swish: true,
                statistics: statistics),
            hidden, batch: batch, height: height, width: width, workspace: workspace)
        let normed = norm2.source(
            hidden, batch: batch, height: height, width: width, configuration: configuration, swish: true,
            statistics: statistics)
        var out = x
        if let shortcut {
            shortcut.apply(x, spare, batch: batch, pixels: pixels)
            out = spare
        }
        conv2.apply(normed, out, batch: batch, height: height, width: width, accumulate: true, workspace: workspace)
        return out
    }
}
