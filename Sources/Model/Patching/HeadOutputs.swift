/// Head outputs o[l, t, h] (docs/paper.md#head-outputs) of one forward pass, or a mean of several:
/// for every layer l, token t and head h, the head's attention output (headWidth features)
/// before the `attn.proj` Linear.
///
/// Layout, row-major: `encoder` is [encoder.depth, encoderTokens, encoder.heads, encoder.headWidth]
/// and `decoder` is [decoder.depth, decoderTokens, decoder.heads, decoder.headWidth]. For one
/// layer and token the heads are concatenated, so a layer is exactly the [tokens, width] matrix
/// that `proj` multiplies. Tokens follow the run's `TokenLayout` (one-shot: 148 and 197).
public struct HeadOutputs: Equatable, Sendable {
    public let configuration: ModelConfiguration
    public let layout: TokenLayout
    public var encoder: [Float]
    public var decoder: [Float]

    /// Zeros for `layout`.
    public init(configuration: ModelConfiguration, layout: TokenLayout) {
        self.configuration = configuration
        self.layout = layout
        encoder = [Float](
            repeating: 0, count: configuration.encoder.depth * layout.encoderTokens * configuration.encoder.width)
        decoder = [Float](
            repeating: 0, count: configuration.decoder.depth * layout.decoderTokens * configuration.decoder.width)
    }

    /// Tokens per layer in `stack`.
    public func tokens(_ stack: Stack) -> Int {
        stack == .encoder ? layout.encoderTokens : layout.decoderTokens
    }

    /// Shape of `stack`'s array: [depth, tokens, heads, headWidth].
    public func shape(_ stack: Stack) -> [Int] {
        let s = configuration.stack(stack)
        return [s.depth, tokens(stack), s.heads, s.headWidth]
    }

    /// Offset of o[layer, token, head] in `stack`'s array (headWidth floats start there).
    public func offset(_ stack: Stack, layer: Int, token: Int, head: Int) -> Int {
        let s = configuration.stack(stack)
        return (layer * tokens(stack) + token) * s.width + head * s.headWidth
    }

    /// The vector o[layer, token, head] of `stack`.
    public func vector(_ stack: Stack, layer: Int, token: Int, head: Int) -> ArraySlice<Float> {
        let start = offset(stack, layer: layer, token: token, head: head)
        let values = stack == .encoder ? encoder : decoder
        return values[start..<start + configuration.stack(stack).headWidth]
    }

    /// The element-wise mean of recordings with one configuration and layout (a task mean when
    /// they are the one-shot recordings of one task's prompts): the recordings accumulated as
    /// `TaskStatistics` accumulates them (Welford, float64), then `init(configuration:layout:means:)`.
    public static func mean(of recordings: [HeadOutputs]) -> HeadOutputs {
        precondition(!recordings.isEmpty, "a mean needs at least one recording")
        let first = recordings[0]
        var encoder = RunningStatistics(elements: first.encoder.count)
        var decoder = RunningStatistics(elements: first.decoder.count)
        for r in recordings {
            precondition(
                r.configuration == first.configuration && r.layout == first.layout,
                "recordings of different models or layouts cannot be averaged")
            encoder.add(r.encoder)
            decoder.add(r.decoder)
        }
        return HeadOutputs(configuration: first.configuration, layout: first.layout, means: (encoder, decoder))
    }

    /// The means of statistics over head outputs in `layout`, rounded to float32: the one place a
    /// task mean is made (`mean(of:)`, `TaskStatistics.means`). means: the encoder's and the
    /// decoder's statistics, over arrays of this type's shapes.
    public init(
        configuration: ModelConfiguration, layout: TokenLayout,
        means: (encoder: RunningStatistics, decoder: RunningStatistics)
    ) {
        self.init(configuration: configuration, layout: layout)
        precondition(
            means.encoder.elements == encoder.count && means.decoder.elements == decoder.count,
            "statistics of \(means.encoder.elements) and \(means.decoder.elements) values do not fit head outputs of "
                + "\(encoder.count) and \(decoder.count)")
        encoder = means.encoder.mean.map { Float($0) }
        decoder = means.decoder.mean.map { Float($0) }
    }

    /// Each head's projected contribution W_h o[l, t, h] + b (the published code's recording
    /// form; W_h is columns h*headWidth..<(h+1)*headWidth of `attn.proj.weight` [width, width],
    /// b the whole `attn.proj.bias`), shape [depth, tokens, heads, width] for `stack`.
    public func projected(_ stack: Stack, weights: WeightStore) throws -> Tensor {
        let s = configuration.stack(stack)
        let prefix = stack == .encoder ? "blocks" : "decoder_blocks"
        let n = tokens(stack)
        var out = [Float](repeating: 0, count: s.depth * n * s.heads * s.width)
        let values = stack == .encoder ? encoder : decoder
        for l in 0..<s.depth {
            let weight = try weights.require("\(prefix).\(l).attn.proj.weight")
            let bias = try weights.require("\(prefix).\(l).attn.proj.bias")
            guard weight.shape == [s.width, s.width], bias.shape == [s.width] else {
                throw WeightError.misShaped([("\(prefix).\(l).attn.proj.weight", [s.width, s.width], weight.shape)])
            }
            for t in 0..<n {
                for h in 0..<s.heads {
                    let o = (l * n + t) * s.width + h * s.headWidth
                    let y = ((l * n + t) * s.heads + h) * s.width
                    for i in 0..<s.width {
                        var sum = bias.values[i]
                        for j in 0..<s.headWidth {
                            sum += weight.values[i * s.width + h * s.headWidth + j] * values[o + j]
                        }
                        out[y + i] = sum
                    }
                }
            }
        }
        return Tensor(shape: [s.depth, n, s.heads, s.width], values: out)
    }
}
