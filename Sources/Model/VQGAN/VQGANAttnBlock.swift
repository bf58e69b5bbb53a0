/// taming's `AttnBlock`: single-head self-attention over the h*w positions of each image,
/// x = x + proj_out(attention(q(GN(x)), k(GN(x)), v(GN(x)))), with scale channels^-0.5.
/// Checkpoint names: `<name>.{norm, q, k, v, proj_out}`.
struct VQGANAttnBlock {
    let norm: GroupNormLayer
    let q: Conv1x1Layer
    let k: Conv1x1Layer
    let v: Conv1x1Layer
    let projOut: Conv1x1Layer

    var channels: Int { q.cIn }

    init(_ weights: ModelWeights, _ name: String) {
        norm = GroupNormLayer(weights, name + ".norm")
        q = Conv1x1Layer(weights, name + ".q")
        k = Conv1x1Layer(weights, name + ".k")
        v = Conv1x1Layer(weights, name + ".v")
        projOut = Conv1x1Layer(weights, name + ".proj_out")
    }

    /// In place: x: [batch, channels, height, width]; spare: a buffer of the same size whose
    /// contents are lost (it holds the attention's output before `proj_out`).
    func apply(
        _ x: UnsafeMutablePointer<Float>, spare: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        configuration: VQGANConfiguration, workspace: VQGANWorkspace
    ) {
        let positions = height * width
        let size = channels * positions
        let normed = workspace.buffer(.normed, count: batch * size)
        let hidden = spare
        let query = workspace.buffer(.query, count: size)
        let key = workspace.buffer(.key, count: size)
        let value = workspace.buffer(.value, count: size)
        let scores = workspace.buffer(.scores, count: positions * positions)
        norm.apply(x, normed, batch: batch, height: height, width: width, configuration: configuration, swish: false)
        for image in 0..<batch {
            let h = normed + image * size
            q.apply(h, query, batch: 1, pixels: positions)
            k.apply(h, key, batch: 1, pixels: positions)
            v.apply(h, value, batch: 1, pixels: positions)
            spatialAttention(
                q: query, k: key, v: value, channels: channels, positions: positions,
                scores: scores, out: hidden + image * size)
        }
        projOut.apply(hidden, x, batch: batch, pixels: positions, accumulate: true)
    }
}
