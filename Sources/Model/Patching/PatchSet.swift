/// Head outputs to overwrite during one forward pass (docs/paper.md#head-outputs): each entry names a
/// (stack, layer, head, token) of the patched run and the vector that replaces o there, taken
/// from `values` (typically a task mean recorded one-shot). The replacement happens before
/// `attn.proj`, so everything after sees the patched value.
///
/// Cheap to build and to apply: entries are grouped by (stack, layer) and only point into the
/// replacement vectors, either a whole table of head outputs shared (copy-on-write) between all
/// patch sets made from one mean, or just the vectors of the targets (`init(configuration:targets:vectors:)`).
public struct PatchSet: Sendable {
    /// A head output of the patched run.
    public struct Target: Hashable, Comparable, Sendable {
        public var stack: Stack
        public var layer: Int
        public var head: Int
        /// Token in the patched run's layout (zero-shot: 0 = cls, 1... = the kept positions).
        public var token: Int

        public init(_ stack: Stack, layer: Int, head: Int, token: Int) {
            self.stack = stack
            self.layer = layer
            self.head = head
            self.token = token
        }

        public static func < (a: Target, b: Target) -> Bool {
            (a.stack.rawValue, a.layer, a.head, a.token) < (b.stack.rawValue, b.layer, b.head, b.token)
        }
    }

    struct Entry: Sendable {
        let token: Int
        let head: Int
        /// Where the replacement vector starts in `sources[stack]`.
        let source: Int
    }

    /// The model the patch set is for.
    public let configuration: ModelConfiguration
    /// The table `add(_:sourceToken:)` draws from; nil for a patch set of listed vectors.
    private let table: HeadOutputs?
    /// sources[stack]: the replacement vectors the entries point into (the table's arrays, shared,
    /// or the listed vectors end to end).
    private let sources: [[Float]]
    /// entries[stack][layer]
    private(set) var entries: [[[Entry]]]
    /// Every target, in the order added.
    public private(set) var targets: [Target] = []

    /// An empty patch set drawing its vectors from `values`.
    public init(values: HeadOutputs) {
        configuration = values.configuration
        table = values
        sources = [values.encoder, values.decoder]
        entries = Stack.allCases.map { [[Entry]](repeating: [], count: values.configuration.stack($0).depth) }
    }

    /// Patches each of `targets` with its own vector, `vectors[i]` (headWidth floats of the target's
    /// stack): only these vectors are held, end to end. Preconditions (our bugs, not user input):
    /// one vector per target, of its stack's headWidth, and every target inside the model.
    public init(configuration: ModelConfiguration, targets: [Target], vectors: [[Float]]) {
        precondition(targets.count == vectors.count, "\(targets.count) patch targets but \(vectors.count) vectors")
        var sources: [[Float]] = Stack.allCases.map { _ in [] }
        var entries = Stack.allCases.map { [[Entry]](repeating: [], count: configuration.stack($0).depth) }
        for (target, vector) in zip(targets, vectors) {
            let s = configuration.stack(target.stack)
            precondition(
                target.layer >= 0 && target.layer < s.depth && target.head >= 0 && target.head < s.heads
                    && target.token >= 0 && vector.count == s.headWidth,
                "patch target \(target) (a vector of \(vector.count) values) is outside the model")
            let source = sources[target.stack.rawValue].count
            sources[target.stack.rawValue] += vector
            entries[target.stack.rawValue][target.layer].append(
                Entry(token: target.token, head: target.head, source: source))
        }
        self.configuration = configuration
        table = nil
        self.sources = sources
        self.entries = entries
        self.targets = targets
    }

    /// Patches `target` with o[target.layer, sourceToken, target.head] of the table the patch set
    /// was made with (`init(values:)`). Preconditions (our bugs, not user input): the patch set has
    /// a table, and the layer, head and source token exist.
    public mutating func add(_ target: Target, sourceToken: Int) {
        guard let table else { preconditionFailure("a patch set of listed vectors has no table to add from") }
        let s = configuration.stack(target.stack)
        precondition(
            target.layer >= 0 && target.layer < s.depth && target.head >= 0 && target.head < s.heads
                && target.token >= 0 && sourceToken >= 0 && sourceToken < table.tokens(target.stack),
            "patch target \(target) (source token \(sourceToken)) is outside the model")
        entries[target.stack.rawValue][target.layer].append(
            Entry(
                token: target.token, head: target.head,
                source: table.offset(target.stack, layer: target.layer, token: sourceToken, head: target.head)))
        targets.append(target)
    }

    /// Task vectors for a run in `mode`: every target is patched with the one-shot mean at the
    /// same canvas position (`TokenLayout.oneShotToken(for:)`: zero-shot token a takes one-shot
    /// token a + 98, cls takes 0). `means` must be a one-shot recording.
    public init(taskVectors targets: [Target], means: HeadOutputs, mode: PromptMode) {
        precondition(means.layout.mode == .oneShot, "task means are recorded one-shot")
        self.init(values: means)
        let layout = TokenLayout(mode: mode, grid: means.configuration.grid)
        for t in targets { add(t, sourceToken: layout.oneShotToken(for: t.token)) }
    }

    /// Number of patched head outputs.
    public var count: Int { targets.count }

    /// Largest token index any entry of `stack` patches (-1 when none), to check against a layout.
    func maximumToken(_ stack: Stack) -> Int {
        entries[stack.rawValue].flatMap { $0 }.map(\.token).max() ?? -1
    }

    /// Overwrites this layer's patched head outputs of one sample.
    /// o: [tokens, width] row-major with leading dimension `ld`.
    func apply(_ stack: Stack, layer: Int, to o: UnsafeMutablePointer<Float>, ld: Int) {
        let list = entries[stack.rawValue][layer]
        if list.isEmpty { return }
        let headWidth = configuration.stack(stack).headWidth
        sources[stack.rawValue].withUnsafeBufferPointer { v in
            for e in list {
                (o + e.token * ld + e.head * headWidth).update(from: v.baseAddress! + e.source, count: headWidth)
            }
        }
    }
}
