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
    /// y: the same.
    func apply(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, batch: Int, height: Int, width: Int,
        configuration: VQGANConfiguration, swish: Bool
    ) {
        groupNorm(
            x, y, batch: batch, channels: channels, height: height, width: width,
            groups: configuration.groups, eps: configuration.eps,
            gamma: gamma, beta: beta, swish: swish)
    }

    /// GroupNorm(x), then swish when `swish`, as a 3x3 convolution's input that is normalised
    /// row by row as the convolution reads it (`WinogradSource.normalized`): takes x's statistics
    /// into `statistics` (2 * batch * channels floats, which must outlive the source's use).
    /// x: [batch, channels, height, width].
    func source(
        _ x: UnsafePointer<Float>, batch: Int, height: Int, width: Int, configuration: VQGANConfiguration,
        swish: Bool, statistics: UnsafeMutablePointer<Float>
    ) -> WinogradSource {
        let scale = statistics, shift = statistics + batch * channels
        groupNormAffine(
            x, batch: batch, channels: channels, pixels: height * width, groups: configuration.groups,
            eps: configuration.eps, gamma: gamma, beta: beta, scale: scale, shift: shift)
        return .normalized(x, scale: scale, shift: shift, swish: swish)
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

    /// Stride 1, padding 1, of `source`'s input (x as it is, enlarged 2x, or normalised; each
    /// bordered a band of rows at a time, never whole).
    /// source: [batch, cIn, height, width] (half that when `.upsampled`) -> y: [batch, cOut, height, width].
    func apply(
        _ source: WinogradSource, _ y: UnsafeMutablePointer<Float>, batch: Int,
        height: Int, width: Int, accumulate: Bool = false, workspace: VQGANWorkspace
    ) {
        precondition(stride == 1, "a stride-2 layer runs applyStride2")
        let scratch = workspace.buffer(
            .band, count: winogradWorkspaceCount(cIn: cIn, cOut: cOut, height: height, width: width))
        for image in 0..<batch {
            conv3x3Winograd(
                source.image(image, cIn: cIn, height: height, width: width), y + image * cOut * height * width,
                cIn: cIn, cOut: cOut, height: height, width: width,
                u: kernel, bias: bias, accumulate: accumulate, workspace: scratch)
        }
    }

    /// taming's `Downsample`: pad right/bottom by one, stride 2. Its columns go into y's buffer
    /// past the output when `capacity` leaves room for them there (the output is a quarter of the
    /// input's pixels), else into the workspace's `.columns` buffer.
    /// x: [batch, cIn, height, width] -> y: [batch, cOut, downsampledSide(height), downsampledSide(width)];
    /// capacity: floats y's buffer holds.
    func applyStride2(
        _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, capacity: Int, batch: Int,
        height: Int, width: Int, workspace: VQGANWorkspace
    ) {
        precondition(stride == 2, "a stride-1 layer runs apply")
        let output = batch * cOut * downsampledSide(height) * downsampledSide(width)
        let count = conv3x3Stride2ColumnCount(cIn: cIn, height: height, width: width)
        let columns = capacity - output >= count ? y + output : workspace.buffer(.columns, count: count)
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
