import Imaging

/// Where a batch's samples sit in the token matrices of one forward pass.
struct BatchPlan {
    /// Rows of each sample in the encoder's token matrix ([rows, encoder width]).
    var encoder: [SampleRows] = []
    /// Rows of each sample in the decoder's token matrix ([rows, decoder width]).
    var decoder: [SampleRows] = []
    var encoderRows = 0
    var decoderRows = 0
    /// Rows of logits in total (sum of predicted positions).
    var predictedRows = 0
}

/// The buffers of a forward pass, by role.
enum WorkspaceBuffer: Hashable {
    /// Gathered canvas patches: [encoder rows, 3 * patch * patch]
    case patches
    /// Encoder residual stream, then its final norm: [encoder rows, encoder width]
    case encoder
    /// `decoder_embed` output: [encoder rows, decoder width]
    case embedded
    /// Decoder residual stream: [decoder rows, decoder width]
    case decoder
    /// Block scratch (see `BlockScratch`), sized for the larger stack
    case normed, qkv, heads, hidden, scores
}

/// The buffers of a forward pass, allocated for the largest batch seen and reused: a batch no
/// larger than an earlier one allocates nothing.
final class MAEWorkspace {
    private var capacity: [WorkspaceBuffer: Int] = [:]
    private var buffers: [WorkspaceBuffer: UnsafeMutablePointer<Float>] = [:]
    private(set) var current = BatchPlan()
    /// Heads' score matrices that fit in `.scores` at once: one per BLAS thread at `plan` time.
    private(set) var scoreSlots = 1

    deinit { buffers.values.forEach { $0.deallocate() } }

    /// At least `count` floats under `name`; contents are unspecified.
    func buffer(_ name: WorkspaceBuffer, count: Int) -> UnsafeMutablePointer<Float> {
        if let p = buffers[name], capacity[name]! >= count { return p }
        buffers[name]?.deallocate()
        let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        buffers[name] = p
        capacity[name] = count
        return p
    }

    /// Lays the samples out row after row and makes sure every buffer is large enough.
    func plan(_ layouts: [TokenLayout], configuration c: ModelConfiguration) -> BatchPlan {
        current.encoder.removeAll(keepingCapacity: true)
        current.decoder.removeAll(keepingCapacity: true)
        var e = 0, d = 0, predicted = 0
        for layout in layouts {
            current.encoder.append(SampleRows(offset: e, tokens: layout.encoderTokens))
            current.decoder.append(SampleRows(offset: d, tokens: layout.decoderTokens))
            e += layout.encoderTokens
            d += layout.decoderTokens
            predicted += layout.predictedPositions
        }
        current.encoderRows = e
        current.decoderRows = d
        current.predictedRows = predicted
        let rows = max(e, d)
        let width = max(c.encoder.width, c.decoder.width)
        let longest = layouts.map { max($0.encoderTokens, $0.decoderTokens) }.max() ?? 0
        _ = buffer(.patches, count: e * rgbChannels * c.patchSize * c.patchSize)
        _ = buffer(.encoder, count: e * c.encoder.width)
        _ = buffer(.embedded, count: e * c.decoder.width)
        _ = buffer(.decoder, count: d * c.decoder.width)
        _ = buffer(.normed, count: rows * width)
        _ = buffer(.qkv, count: rows * 3 * width)
        _ = buffer(.heads, count: rows * width)
        _ = buffer(.hidden, count: rows * max(c.encoder.mlpHidden, c.decoder.mlpHidden))
        scoreSlots = max(1, BLASRuntime.threads)
        _ = buffer(.scores, count: longest * longest * scoreSlots)
        return current
    }

    /// The per-block scratch buffers (valid after `plan`).
    var blockScratch: BlockScratch {
        BlockScratch(
            normed: buffers[.normed]!, qkv: buffers[.qkv]!, heads: buffers[.heads]!,
            hidden: buffers[.hidden]!, scores: buffers[.scores]!, scoreSlots: scoreSlots)
    }

    /// A buffer made by `plan`.
    subscript(name: WorkspaceBuffer) -> UnsafeMutablePointer<Float> { buffers[name]! }
}
