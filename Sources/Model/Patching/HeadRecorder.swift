/// Collects the head outputs of one sample during a forward pass (pass it in that sample's
/// `MAESample.recorder`); after the pass `outputs` holds o for every layer, token and head.
public final class HeadRecorder {
    public private(set) var outputs: HeadOutputs

    public init(configuration: ModelConfiguration, mode: PromptMode) {
        outputs = HeadOutputs(configuration: configuration, layout: TokenLayout(mode: mode, grid: configuration.grid))
    }

    /// Copies layer `layer`'s head outputs of `stack` for this sample.
    /// o: [tokens, width] row-major with leading dimension `ld`.
    func record(_ stack: Stack, layer: Int, o: UnsafePointer<Float>, ld: Int) {
        let width = outputs.configuration.stack(stack).width
        let tokens = outputs.tokens(stack)
        func copy(_ values: inout [Float]) {
            values.withUnsafeMutableBufferPointer { dst in
                let base = dst.baseAddress! + layer * tokens * width
                for t in 0..<tokens { (base + t * width).update(from: o + t * ld, count: width) }
            }
        }
        if stack == .encoder { copy(&outputs.encoder) } else { copy(&outputs.decoder) }
    }
}
