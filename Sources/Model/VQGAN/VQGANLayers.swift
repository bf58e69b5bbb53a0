/// The VQGAN's parameterised layers, bound to their weights in the form the kernels want
/// (`ModelWeights`: pointers into its block, which the encoder or decoder keeps alive).
/// Each reads the checkpoint tensors `<name>.weight` / `<name>.bias`.

/// GroupNorm affine parameters. gamma, beta: [channels].
struct GroupNormLayer {
    let channels: Int
    let gamma: UnsafePointer<Float>
    let beta: UnsafePointer<Float>

    init(_ weights: ModelWeights, _ name: String) {
        gamma = weights.plain(name + ".weight")
        beta = weights.plain(name + ".bias")
        channels = weights.shape(name + ".weight")[0]
    }

    /// y = GroupNorm(x), followed by swish when `swish`. x: [batch, channels, height, width];
    /// y: the same with a zero border of `border` pixels (1 makes it a 3x3 convolution's padded input).
    func apply(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        configuration: VQGANConfiguration, swish: Bool, border: Int = 0
    ) {
        groupNorm(
            x, y, batch: batch, channels: channels, height: height, width: width,
            groups: configuration.groups, eps: configuration.eps,
            gamma: gamma, beta: beta, swish: swish, border: border)
    }

    /// Floats of a padded (border 1) output for `batch` images of height x width.
    func paddedCount(batch: Int, height: Int, width: Int) -> Int {
        batch * channels * (height + 2) * (width + 2)
    }
}

/// A 3x3 convolution, holding its weights in the form its stride's kernel wants: stride 1 (padding
/// 1) runs Winograd F(2x2, 3x3) (`conv3x3Winograd`, U: [16, cOut, cIn]); stride 2 (taming's
/// `Downsample`) runs im2col + SGEMM on PyTorch's [cOut, cIn, 3, 3].
struct Conv3x3Layer {
    let cIn: Int
    let cOut: Int
    let stride: Int
    /// Stride 1: the Winograd filters of the checkpoint weight, [16, cOut, cIn]; stride 2: the
    /// weight itself, [cOut, cIn, 3, 3].
    let kernel: UnsafePointer<Float>
    let bias: UnsafePointer<Float>

    init(_ weights: ModelWeights, _ name: String, stride: Int = 1) {
        precondition(stride == 1 || stride == 2)
        let shape = weights.shape(name + ".weight")
        cOut = shape[0]
        cIn = shape[1]
        self.stride = stride
        kernel = stride == 1 ? weights.winograd(name + ".weight") : weights.plain(name + ".weight")
        bias = weights.plain(name + ".bias")
    }

    /// Stride 1, padding 1 (optionally after a nearest 2x upsampling of x), through the
    /// workspace's `.normed` buffer (so not inside a block that holds something there).
    /// x: [batch, cIn, height, width] (or half that with `upsample`) -> y: [batch, cOut, height, width].
    func apply(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
        height: Int, width: Int, upsample: Bool = false, accumulate: Bool = false,
        workspace: VQGANWorkspace
    ) {
        // Between blocks nothing else lives in `.normed`.
        let padded = workspace.buffer(.normed, count: cIn * (height + 2) * (width + 2))
        let inPixels = upsample ? (height / 2) * (width / 2) : height * width
        for image in 0..<batch {
            let src = x + image * cIn * inPixels
            if upsample {
                upsampleNearest2x(src, padded, planes: cIn, height: height / 2, width: width / 2, border: 1)
            } else {
                padPlanes(src, padded, planes: cIn, height: height, width: width, border: 1)
            }
            applyPadded(
                padded, y + image * cOut * height * width, batch: 1, height: height, width: width,
                accumulate: accumulate, workspace: workspace)
        }
    }

    /// Stride 1 on input that is already zero-bordered (e.g. by `GroupNormLayer.apply(border: 1)`).
    /// padded: [batch, cIn, height+2, width+2] -> y: [batch, cOut, height, width].
    func applyPadded(
        _ padded: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
        height: Int, width: Int, accumulate: Bool = false, workspace: VQGANWorkspace
    ) {
        precondition(stride == 1, "a stride-2 layer runs applyStride2")
        let scratch = workspace.buffer(
            .band, count: winogradWorkspaceCount(cIn: cIn, cOut: cOut, height: height, width: width))
        let plane = (height + 2) * (width + 2)
        for image in 0..<batch {
            conv3x3Winograd(
                padded + image * cIn * plane, y + image * cOut * height * width,
                cIn: cIn, cOut: cOut, height: height, width: width,
                u: kernel, bias: bias, accumulate: accumulate, workspace: scratch)
        }
    }

    /// taming's `Downsample`: pad right/bottom by one, stride 2; its columns go into the
    /// workspace's `.normed` buffer, free between blocks.
    /// x: [batch, cIn, height, width] -> y: [batch, cOut, downsampledSide(height), downsampledSide(width)].
    func applyStride2(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int,
        height: Int, width: Int, workspace: VQGANWorkspace
    ) {
        precondition(stride == 2, "a stride-1 layer runs apply or applyPadded")
        let columns = workspace.buffer(
            .normed, count: conv3x3Stride2ColumnCount(cIn: cIn, height: height, width: width))
        conv2d3x3Stride2(
            x, y, batch: batch, cIn: cIn, cOut: cOut, height: height, width: width,
            weight: kernel, bias: bias, columns: columns)
    }
}

/// A 1x1 convolution. weight: [cOut, cIn] (PyTorch [cOut, cIn, 1, 1]).
struct Conv1x1Layer {
    let cIn: Int
    let cOut: Int
    let weight: UnsafePointer<Float>
    let bias: UnsafePointer<Float>

    init(_ weights: ModelWeights, _ name: String) {
        let shape = weights.shape(name + ".weight")
        cOut = shape[0]
        cIn = shape[1]
        weight = weights.plain(name + ".weight")
        bias = weights.plain(name + ".bias")
    }

    /// x: [batch, cIn, pixels] -> y: [batch, cOut, pixels]; with `accumulate`, y += conv(x).
    func apply(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, pixels: Int,
        accumulate: Bool = false
    ) {
        conv2d1x1(
            x, y, batch: batch, cIn: cIn, cOut: cOut, pixels: pixels,
            weight: weight, bias: bias, accumulate: accumulate)
    }
}
