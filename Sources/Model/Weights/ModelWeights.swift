/// The parts of MAE-VQGAN a process runs; each reads its own tensors.
public struct ModelParts: OptionSet, Hashable, Sendable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// The MAE (`MAEModel`).
    public static let mae = ModelParts(rawValue: 1)
    /// The VQGAN tokenizer (`VQGANEncoder`).
    public static let vqganEncoder = ModelParts(rawValue: 2)
    /// The VQGAN renderer (`VQGANDecoder`).
    public static let vqganDecoder = ModelParts(rawValue: 4)
    public static let all: ModelParts = [.mae, .vqganEncoder, .vqganDecoder]
}

/// Everything a model reads for its whole life, derived once from its checkpoint tensors into one
/// block of a `WeightArena`: each tensor in the form its kernel reads (`WeightForm`: packed Linear
/// panels, Winograd filters, plain biases and norms...), one pointer per (name, form).
/// `MAEModel`, `VQGANEncoder` and `VQGANDecoder` bind to it and own none of it, so any number of
/// them (in this process, or in every process a shared arena serves) read one copy.
///
/// Block layout, in floats: a 16-float header (the content hash, below), then every tensor in
/// (name, form) order, each at a multiple of 16 floats (64 bytes), gaps zeroed. It is computed
/// from the configuration alone, so every process of a shared arena agrees on the block's size
/// and offsets without reading a tensor; only the builder reads them.
public final class ModelWeights: @unchecked Sendable {
    /// The parts these weights serve.
    public let parts: ModelParts
    /// The `WeightStore.contentHash` the builder recorded for the weights it read ("" when none).
    public let contentHash: String
    /// Floats in the block.
    public let count: Int
    /// The arithmetic of the MAE's Linear layers, fixed by the form their weights were packed in.
    public let precision: LinearPrecision

    struct Entry {
        /// The tensor's PyTorch shape.
        let shape: [Int]
        /// Where its form starts in the block, in floats.
        let offset: Int
        /// Floats its form occupies; zeros follow up to the next 64-byte line.
        let count: Int
    }
    private let entries: [WeightKey: Entry]
    private let block: WeightBlock

    /// The most UTF-8 bytes of content hash the header holds (one byte of it is the length).
    static let headerFloats = WeightArenaAlignment.tensorFloats
    static var hashCapacity: Int { headerFloats * MemoryLayout<Float>.stride - 1 }

    /// The weights of `parts` of a model with `configuration`, in `arena`. `source` runs only in the
    /// process that builds the block, once: it gives the tensors (at least those of `parts`, which
    /// are checked for presence and shape, all problems reported at once) and the content hash to
    /// record. Each tensor is released from the store once derived, so a store that owns its
    /// arrays never coexists with a second copy of the model: building peaks at the block plus
    /// the store's remaining tensors.
    ///
    /// `precision` is that of the MAE's Linears (fp32, the default; bf16 only where the CPU has
    /// AVX512_BF16, else `LinearPrecisionError` before anything is read). Every process of a
    /// shared arena must pass the same one: it sizes the block.
    public convenience init(
        configuration: ModelConfiguration, parts: ModelParts, arena: any WeightArena,
        precision: LinearPrecision = .fp32,
        source: () throws -> (weights: WeightStore, contentHash: String)
    ) throws {
        let problems = configuration.problems
        if !problems.isEmpty { throw ConfigurationError.invalid(problems) }
        try precision.checkSupported()
        var forms = parts.contains(.mae) ? configuration.maeWeightForms(precision: precision) : [:]
        forms.merge(configuration.vqgan.weightForms(prefix: "vae.", parts: parts)) { a, _ in a }
        try self.init(forms: forms, parts: parts, arena: arena, precision: precision, source: source)
    }

    /// The weights of a VQGAN's encoder and/or decoder (`parts` without `.mae`), its tensors named
    /// under `prefix` (`vae.` in a model file, "" for a bare VQGAN); see the initializer above.
    public convenience init(
        vqgan configuration: VQGANConfiguration, prefix: String = "vae.", parts: ModelParts,
        arena: any WeightArena,
        source: () throws -> (weights: WeightStore, contentHash: String)
    ) throws {
        precondition(!parts.contains(.mae), "a bare VQGAN has no MAE")
        let problems = configuration.problems
        if !problems.isEmpty { throw VQGANError.invalidConfiguration(problems) }
        try self.init(
            forms: configuration.weightForms(prefix: prefix, parts: parts), parts: parts, arena: arena,
            precision: .fp32, source: source)
    }

    private init(
        forms: [WeightKey: [Int]], parts: ModelParts, arena: any WeightArena, precision: LinearPrecision,
        source: () throws -> (weights: WeightStore, contentHash: String)
    ) throws {
        let keys = forms.keys.sorted()
        var entries: [WeightKey: Entry] = [:]
        var total = Self.headerFloats
        for key in keys {
            let shape = forms[key]!
            let count = key.form.count(shape: shape)
            entries[key] = Entry(shape: shape, offset: total, count: count)
            total += Self.aligned(count)
        }
        self.parts = parts
        self.precision = precision
        self.entries = entries
        count = total
        block = try arena.block(floats: total) { block in
            var (store, hash) = try source()
            precondition(
                hash.utf8.count <= Self.hashCapacity,
                "a content hash of \(hash.utf8.count) bytes does not fit the header")
            var shapes: [String: [Int]] = [:]
            for (key, shape) in forms { shapes[key.name] = shape }
            try WeightStore(store.tensors.filter { shapes[$0.key] != nil }).validate(against: shapes)
            let base = block.baseAddress!
            // Only the header and the gaps are zeroed here: a page is touched (made resident) when
            // its tensor is written, after the tensors before it have been released.
            base.update(repeating: 0, count: Self.headerFloats)
            let header = UnsafeMutableRawPointer(base).assumingMemoryBound(to: UInt8.self)
            header[0] = UInt8(hash.utf8.count)
            for (i, byte) in hash.utf8.enumerated() { header[1 + i] = byte }
            var formsOf: [String: [WeightKey]] = [:]
            for key in keys { formsOf[key.name, default: []].append(key) }
            for name in shapes.keys.sorted() {
                let tensor = store[name]!
                store[name] = nil
                tensor.values.withUnsafeBufferPointer { values in
                    for key in formsOf[name]! {
                        let entry = entries[key]!
                        key.form.derive(values.baseAddress!, shape: tensor.shape, into: base + entry.offset)
                        (base + entry.offset + entry.count).update(
                            repeating: 0, count: Self.aligned(entry.count) - entry.count)
                    }
                }
            }
        }
        let header = UnsafeRawPointer(block.values.baseAddress!).assumingMemoryBound(to: UInt8.self)
        contentHash = String(decoding: UnsafeBufferPointer(start: header + 1, count: Int(header[0])), as: UTF8.self)
    }

    /// `count` rounded up to whole 64-byte lines.
    private static func aligned(_ count: Int) -> Int {
        let line = WeightArenaAlignment.tensorFloats
        return (count + line - 1) / line * line
    }

    /// Where `name` in `form` starts. Asking for a tensor these weights do not hold is our bug
    /// (a model bound to weights built for other parts, or a form rule that disagrees with a layer).
    private func pointer(_ name: String, _ form: WeightForm) -> UnsafePointer<Float> {
        guard let entry = entries[WeightKey(name: name, form: form)] else {
            preconditionFailure("the weights (parts \(parts.rawValue)) hold no '\(name)' as \(form)")
        }
        return block.values.baseAddress! + entry.offset
    }

    /// The PyTorch shape of `name`.
    func shape(_ name: String) -> [Int] {
        guard let entry = WeightForm.allCases.lazy.compactMap({ self.entries[WeightKey(name: name, form: $0)] }).first
        else {
            preconditionFailure("the weights (parts \(parts.rawValue)) hold no '\(name)'")
        }
        return entry.shape
    }

    /// `name` as stored: [shape.product], PyTorch's layout.
    func plain(_ name: String) -> UnsafePointer<Float> { pointer(name, .plain) }

    /// The Linear weight `name` [out, in] (or [width, 3, p, p]) packed, for `precision`.
    func packedLinear(_ name: String) -> PackedWeight {
        let shape = self.shape(name)
        return PackedWeight(
            values: pointer(name, precision == .bf16 ? .packedLinearBF16 : .packedLinear),
            outFeatures: shape[0], inFeatures: shape.dropFirst().reduce(1, *), precision: precision)
    }

    /// Bytes of the block the MAE's packed Linear weights take (their form's, `precision`'s).
    public var packedLinearBytes: Int {
        entries.filter { $0.key.form == .packedLinear || $0.key.form == .packedLinearBF16 }
            .reduce(0) { $0 + $1.value.count } * MemoryLayout<Float>.stride
    }

    /// The 3x3 convolution weight `name` [cOut, cIn, 3, 3] as Winograd filters U: [16, cOut, cIn].
    func winograd(_ name: String) -> UnsafePointer<Float> { pointer(name, .winograd) }

    /// The squared row norms of the matrix `name` [rows, columns]: [rows].
    func squaredRowNorms(_ name: String) -> UnsafePointer<Float> { pointer(name, .squaredRowNorms) }
}
