/// Head outputs to overwrite during one forward pass (docs/paper.md#head-outputs): each entry names a
/// (stack, layer, head, token) of the patched run and the vector that replaces o there, taken
/// from `values` (typically a task mean recorded one-shot). The replacement happens before
/// `attn.proj`, so everything after sees the patched value.
///
/// Cheap to build and to apply: entries are grouped by (stack, layer) and only point into
/// `values`, which is shared (copy-on-write) between all patch sets made from one mean.
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
        /// Where the replacement vector starts in `values.encoder` or `values.decoder`.
        let source: Int
    }

    /// Where replacement vectors come from.
    public let values: HeadOutputs
    /// entries[stack][layer]
    private(set) var entries: [[[Entry]]]
    /// Every target, in the order added.
    public private(set) var targets: [Target] = []

    /// An empty patch set drawing its vectors from `values`.
    public init(values: HeadOutputs) {
        self.values = values
        entries = Stack.allCases.map { [[Entry]](repeating: [], count: values.configuration.stack($0).depth) }
    }

    /// Patches `target` with o[target.layer, sourceToken, target.head] of `values`.
    /// Preconditions (our bugs, not user input): the layer, head and source token exist.
    public mutating func add(_ target: Target, sourceToken: Int) {
        let s = values.configuration.stack(target.stack)
        precondition(
            target.layer >= 0 && target.layer < s.depth && target.head >= 0 && target.head < s.heads
                && target.token >= 0 && sourceToken >= 0 && sourceToken < values.tokens(target.stack),
            "patch target \(target) (source token \(sourceToken)) is outside the model")
        entries[target.stack.rawValue][target.layer].append(
            Entry(
                token: target.token, head: target.head,
                source: values.offset(target.stack, layer: target.layer, token: sourceToken, head: target.head)))
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
        let headWidth = values.configuration.stack(stack).headWidth
        let source = stack == .encoder ? values.encoder : values.decoder
        source.withUnsafeBufferPointer { v in
            for e in list {
                (o + e.token * ld + e.head * headWidth).update(from: v.baseAddress! + e.source, count: headWidth)
            }
        }
    }
}
