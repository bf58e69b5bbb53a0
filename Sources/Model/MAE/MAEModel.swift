import Imaging

/// One canvas to run through the MAE, with its own options.
public struct MAESample {
    /// The prompt canvas: [3, imageSize, imageSize] row-major, values in [0, 1] (not normalized).
    public var canvas: [Float]
    public var mode: PromptMode
    /// Head outputs to overwrite (token indices in this sample's layout), or nil.
    public var patches: PatchSet?
    /// Receives this sample's head outputs (its mode must be the sample's), or nil.
    public var recorder: HeadRecorder?

    public init(canvas: [Float], mode: PromptMode, patches: PatchSet? = nil, recorder: HeadRecorder? = nil) {
        self.canvas = canvas
        self.mode = mode
        self.patches = patches
        self.recorder = recorder
    }
}

/// Errors in what a caller hands to `MAEModel.forward`.
public enum MAEInputError: Error, CustomStringConvertible, Equatable {
    case canvasSize(sample: Int, found: Int, expected: Int)
    case recorderMode(sample: Int, recorder: PromptMode, run: PromptMode)
    case patchModel(sample: Int)
    case patchToken(sample: Int, stack: Stack, token: Int, tokens: Int)

    public var description: String {
        switch self {
        case .canvasSize(let i, let found, let expected):
            return
                "sample \(i): the canvas has \(found) values, expected \(expected) (\(rgbChannels) x image_size x image_size)"
        case .recorderMode(let i, let r, let s):
            return "sample \(i): its recorder was made for \(r.rawValue) but the sample runs \(s.rawValue)"
        case .patchModel(let i):
            return "sample \(i): its patch set was recorded with a different model configuration"
        case .patchToken(let i, let stack, let token, let tokens):
            return "sample \(i): a patch targets \(stack) token \(token), but this mode has only \(tokens) tokens there"
        }
    }
}

/// The MAE of MAE-VQGAN: canvas -> logits over the VQGAN codebook for the predicted positions
/// (docs/paper.md#model, docs/paper.md#token-layouts), for a batch of samples that may mix modes, patch sets and
/// recorders. A sample's result does not depend on the rest of its batch: Linears treat rows
/// independently and attention runs per sample.
///
/// With several BLAS threads, a batch of several samples is split into contiguous chunks of about
/// equal work, one per thread, each run with single-threaded SGEMMs on its own workspace
/// (`BatchSplit`); results are the same as unsplit, since every row is computed the same way.
///
/// Not thread-safe: one model owns its workspaces (one per worker), sized for the largest batch
/// it has run and reused, so repeated batches of one shape allocate no buffers. Use one model
/// per thread.
public final class MAEModel {
    public let configuration: ModelConfiguration
    let parameters: MAEParameters
    let layouts: [PromptMode: TokenLayout]
    /// One workspace per worker of a split batch (the first serves unsplit batches).
    private var workspaces = [MAEWorkspace()]

    /// Binds to `weights`, built (at least) for `.mae` of a model with `configuration`; the model
    /// owns none of their memory, so several models may share one copy.
    public init(configuration: ModelConfiguration, weights: ModelWeights) throws {
        let problems = configuration.problems
        if !problems.isEmpty { throw ConfigurationError.invalid(problems) }
        self.configuration = configuration
        parameters = MAEParameters(configuration: configuration, weights: weights)
        layouts = Dictionary(
            uniqueKeysWithValues: PromptMode.allCases.map { ($0, TokenLayout(mode: $0, grid: configuration.grid)) })
    }

    /// Moves the MAE tensors out of `weights` (checked against `configuration.maeTensorShapes`;
    /// tensors of other parts, such as `vae.*`, stay for the VQGAN) into weights of its own, in
    /// process memory. Each tensor is released as soon as it is packed into the model, so a
    /// store that is the only owner of its arrays never coexists with a second copy of the MAE:
    /// loading peaks at one model plus one tensor.
    public convenience init(configuration: ModelConfiguration, movingWeightsFrom weights: inout WeightStore) throws {
        let problems = configuration.problems
        if !problems.isEmpty { throw ConfigurationError.invalid(problems) }
        let shapes = configuration.maeTensorShapes
        try WeightStore(weights.tensors.filter { shapes[$0.key] != nil }).validate(against: shapes)
        var taken: WeightStore? = WeightStore()
        for name in shapes.keys {
            taken![name] = weights[name]
            weights[name] = nil
        }
        let own = try ModelWeights(configuration: configuration, parts: .mae, arena: PrivateWeightArena()) {
            // The builder becomes the arrays' only owner, so it frees each tensor once packed.
            defer { taken = nil }
            return (taken!, "")
        }
        try self.init(configuration: configuration, weights: own)
    }

    /// Copies the MAE tensors out of `weights`, which keeps them (for callers that go on using
    /// the store; the MAE is then held twice until the store is dropped).
    public convenience init(configuration: ModelConfiguration, weights: WeightStore) throws {
        var copy = weights
        try self.init(configuration: configuration, movingWeightsFrom: &copy)
    }

    /// The token layout of `mode`.
    public func layout(_ mode: PromptMode) -> TokenLayout { layouts[mode]! }

    /// Runs `samples` and writes each one's logits into `output`: [positions, vocabulary] per
    /// sample, positions in the layout's `kept` order (196 one-shot, 98 zero-shot).
    public func forward(_ samples: [MAESample], into output: MAEOutput) throws {
        try validate(samples)
        output.reset(
            positions: samples.map { layouts[$0.mode]!.predictedPositions },
            vocabulary: configuration.vocabulary)
        let chunks = BatchSplit.chunks(
            samples.map { layouts[$0.mode]! }, configuration: configuration,
            workers: BLASRuntime.threads,
            sharedRecorders: BatchSplit.sharesRecorders(samples))
        while workspaces.count < chunks.count { workspaces.append(MAEWorkspace()) }
        let spaces = workspaces, starts = chunks.map { output.offset(of: $0.lowerBound) }
        output.storage.withUnsafeMutableBufferPointer { storage in
            let logits = storage.baseAddress!
            if chunks.count == 1 {
                forwardChunk(samples, workspace: spaces[0], logits: logits)
                return
            }
            concurrentWithSingleThreadedBLAS(chunks.count) { w in
                forwardChunk(Array(samples[chunks[w]]), workspace: spaces[w], logits: logits + starts[w])
            }
        }
    }

    /// Encoder then decoder for samples sharing one workspace; logits: [sum of positions, vocabulary].
    private func forwardChunk(_ samples: [MAESample], workspace: MAEWorkspace, logits: UnsafeMutablePointer<Float>) {
        let plan = workspace.plan(samples.map { layouts[$0.mode]! }, configuration: configuration)
        forwardEncoder(samples, plan: plan, workspace: workspace)
        forwardDecoder(samples, plan: plan, workspace: workspace, logits: logits)
    }

    /// Runs `samples` into a new output.
    public func forward(_ samples: [MAESample]) throws -> MAEOutput {
        let output = MAEOutput()
        try forward(samples, into: output)
        return output
    }

    private func validate(_ samples: [MAESample]) throws {
        let canvasCount = rgbChannels * configuration.imageSize * configuration.imageSize
        for (i, s) in samples.enumerated() {
            if s.canvas.count != canvasCount {
                throw MAEInputError.canvasSize(sample: i, found: s.canvas.count, expected: canvasCount)
            }
            if let r = s.recorder, r.outputs.layout.mode != s.mode {
                throw MAEInputError.recorderMode(sample: i, recorder: r.outputs.layout.mode, run: s.mode)
            }
            if let r = s.recorder, r.outputs.configuration != configuration {
                throw MAEInputError.patchModel(sample: i)
            }
            if let p = s.patches {
                guard p.configuration == configuration else { throw MAEInputError.patchModel(sample: i) }
                let layout = layouts[s.mode]!
                for (stack, tokens) in [(Stack.encoder, layout.encoderTokens), (.decoder, layout.decoderTokens)] {
                    let top = p.maximumToken(stack)
                    if top >= tokens {
                        throw MAEInputError.patchToken(sample: i, stack: stack, token: top, tokens: tokens)
                    }
                }
            }
        }
    }

    /// Patches, then records, one sample's head outputs of one layer.
    func headOutputHook(_ samples: [MAESample], _ stack: Stack, layer: Int) -> (Int, UnsafeMutablePointer<Float>) ->
        Void
    {
        let width = configuration.stack(stack).width
        return { i, o in
            samples[i].patches?.apply(stack, layer: layer, to: o, ld: width)
            samples[i].recorder?.record(stack, layer: layer, o: o, ld: width)
        }
    }
}

/// Logits of a batch: for sample i, [positions(of: i), vocabulary] row-major. Reused across
/// calls (storage only grows).
public final class MAEOutput {
    public private(set) var vocabulary = 0
    private var positionCounts: [Int] = []
    private var offsets: [Int] = []
    var storage: [Float] = []

    public init() {}

    func reset(positions: [Int], vocabulary: Int) {
        self.vocabulary = vocabulary
        positionCounts = positions
        offsets.removeAll(keepingCapacity: true)
        var total = 0
        for p in positions {
            offsets.append(total)
            total += p * vocabulary
        }
        if storage.count < total { storage = [Float](repeating: 0, count: total) }
    }

    /// Predicted positions of sample `i` (196 one-shot, 98 zero-shot).
    public func positions(of i: Int) -> Int { positionCounts[i] }
    /// Where sample `i`'s logits start in the storage.
    func offset(of i: Int) -> Int { offsets[i] }

    /// Sample `i`'s logits, [positions, vocabulary].
    public func logits(of i: Int) -> Tensor {
        let start = offsets[i], n = positionCounts[i] * vocabulary
        return Tensor(shape: [positionCounts[i], vocabulary], values: Array(storage[start..<start + n]))
    }

    /// Calls `body` with sample `i`'s logits, [positions, vocabulary] row-major, without copying.
    public func withLogits<R>(of i: Int, _ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        try storage.withUnsafeBufferPointer {
            try body(UnsafeBufferPointer(rebasing: $0[offsets[i]..<offsets[i] + positionCounts[i] * vocabulary]))
        }
    }

    /// The predicted token of every position of sample `i` (the first maximum, as PyTorch's argmax).
    public func argmax(of i: Int) -> [Int32] {
        withLogits(of: i) { l in
            (0..<positionCounts[i]).map { p in
                let row = l.baseAddress! + p * vocabulary
                var best = 0
                for j in 1..<vocabulary where row[j] > row[best] { best = j }
                return Int32(best)
            }
        }
    }
}
