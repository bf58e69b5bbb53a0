/// The search space (docs/paper.md#search-space): Bernoulli variables, each standing for a set of
/// head outputs of a zero-shot run that are patched with task means when the variable is on.
/// Variables are numbered encoder first, then decoder; targets use zero-shot token indices
/// (encoder: 0 = cls, 1...49 = Q3; decoder: 0 = cls, 1...98 = rows grid/2..<grid in raster).
public struct PatchVariables: Sendable {
    public enum Granularity: Int, CaseIterable, Sendable {
        /// One variable per (stack, layer, head), all tokens: 24*16 + 8*16 = 512 for ViT-L.
        case head = 0
        /// One per (stack, layer, head, token group): encoder groups {cls, query}, decoder groups
        /// {cls, Q3, Q4}; index l*2H + h*2 + g (encoder), then E + l*3H + h*3 + g (decoder).
        /// The paper's default: 1152 for ViT-L.
        case headGroup = 1
        /// One per (stack, layer, head, zero-shot token), index (l*H + h)*T + t per stack:
        /// 24*16*50 + 8*16*99 = 31872 for ViT-L.
        case headToken = 2
    }

    public let configuration: ModelConfiguration
    public let granularity: Granularity
    /// The zero-shot layout the targets refer to.
    public let layout: TokenLayout
    /// Token groups of each stack at this granularity (each a list of zero-shot tokens).
    private let groups: [[[Int]]]

    public init(configuration: ModelConfiguration, granularity: Granularity) {
        self.configuration = configuration
        self.granularity = granularity
        let layout = TokenLayout(mode: .zeroShot, grid: configuration.grid)
        self.layout = layout
        let encoderTokens = Array(0..<layout.encoderTokens), decoderTokens = Array(0..<layout.decoderTokens)
        switch granularity {
        case .head:
            groups = [[encoderTokens], [decoderTokens]]
        case .headGroup:
            let half = configuration.grid / 2
            let q3 = (1..<layout.decoderTokens).filter { layout.kept[$0 - 1] % configuration.grid < half }
            let q4 = (1..<layout.decoderTokens).filter { layout.kept[$0 - 1] % configuration.grid >= half }
            groups = [[[0], Array(1..<layout.encoderTokens)], [[0], q3, q4]]
        case .headToken:
            groups = [encoderTokens.map { [$0] }, decoderTokens.map { [$0] }]
        }
    }

    /// Variables of `stack`.
    public func count(_ stack: Stack) -> Int {
        let s = configuration.stack(stack)
        return s.depth * s.heads * groups[stack.rawValue].count
    }

    /// All variables.
    public var count: Int { count(.encoder) + count(.decoder) }

    /// What variable `v` stands for: its stack, layer, head and group (index into the stack's
    /// groups: the token for granularity 2; cls/query or cls/Q3/Q4 for granularity 1).
    public func decode(_ v: Int) -> (stack: Stack, layer: Int, head: Int, group: Int) {
        precondition(v >= 0 && v < count, "variable \(v) outside 0..<\(count)")
        let stack: Stack = v < count(.encoder) ? .encoder : .decoder
        let local = stack == .encoder ? v : v - count(.encoder)
        let g = groups[stack.rawValue].count, heads = configuration.stack(stack).heads
        return (stack, local / (heads * g), (local / g) % heads, local % g)
    }

    /// The head outputs variable `v` patches, in token order.
    public func targets(ofVariable v: Int) -> [PatchSet.Target] {
        let d = decode(v)
        return groups[d.stack.rawValue][d.group].map {
            PatchSet.Target(d.stack, layer: d.layer, head: d.head, token: $0)
        }
    }

    /// The head outputs of every variable that is on in `mask` ([count]), in variable order.
    public func targets(selected mask: [Bool]) -> [PatchSet.Target] {
        precondition(mask.count == count, "a mask of \(mask.count) for \(count) variables")
        return mask.indices.filter { mask[$0] }.flatMap { targets(ofVariable: $0) }
    }

    /// A short name for variable `v`, e.g. "decoder layer 3 head 5 Q4".
    public func name(of v: Int) -> String {
        let d = decode(v)
        let group: String
        switch granularity {
        case .head: group = "all tokens"
        case .headGroup: group = d.group == 0 ? "cls" : d.stack == .encoder ? "query" : d.group == 1 ? "Q3" : "Q4"
        case .headToken: group = "token \(d.group)"
        }
        return "\(d.stack) layer \(d.layer) head \(d.head) \(group)"
    }
}

/// A published patch row that names a head output this model does not have.
public struct PatchRowError: Error, CustomStringConvertible, Equatable {
    public let row: [Int]
    public let reason: String
    public var description: String { "patch row \(row): \(reason)" }
}

extension PatchVariables {
    /// The published code writes decoder layer j as this + j, whatever the encoder's depth
    /// (it hard-codes ViT-L's 24 blocks).
    public static let publishedDecoderLayerOffset = 24

    /// Targets from rows (layer, head, zero-shot token) in the published code's encoding, where
    /// layers >= 24 are decoder layers (layer - 24).
    public static func targets(publishedRows rows: [[Int]], configuration c: ModelConfiguration) throws -> [PatchSet
        .Target]
    {
        let layout = TokenLayout(mode: .zeroShot, grid: c.grid)
        return try rows.map { row in
            guard row.count == 3 else { throw PatchRowError(row: row, reason: "expected (layer, head, position)") }
            let decoder = row[0] >= publishedDecoderLayerOffset
            let stack: Stack = decoder ? .decoder : .encoder
            let layer = decoder ? row[0] - publishedDecoderLayerOffset : row[0]
            let s = c.stack(stack)
            let tokens = decoder ? layout.decoderTokens : layout.encoderTokens
            guard layer >= 0, layer < s.depth else {
                throw PatchRowError(row: row, reason: "the \(stack) has \(s.depth) layers")
            }
            guard row[1] >= 0, row[1] < s.heads else {
                throw PatchRowError(row: row, reason: "the \(stack) has \(s.heads) heads")
            }
            guard row[2] >= 0, row[2] < tokens else {
                throw PatchRowError(row: row, reason: "a zero-shot \(stack) run has \(tokens) tokens")
            }
            return PatchSet.Target(stack, layer: layer, head: row[1], token: row[2])
        }
    }
}
