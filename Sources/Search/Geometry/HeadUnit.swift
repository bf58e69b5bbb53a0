import Model

/// One attention head of one layer of one stack: the unit of task geometry (`TaskMeanCosines`,
/// `PromptClustering`). Its vector in a recording is o[layer, t, head] over every one-shot token t,
/// concatenated: [tokens * headWidth].
public struct HeadUnit: Equatable, Hashable, Sendable {
    public var stack: Stack
    public var layer: Int
    public var head: Int

    public init(stack: Stack, layer: Int, head: Int) {
        self.stack = stack
        self.layer = layer
        self.head = head
    }

    /// "encoder L2 H3".
    public var name: String { "\(stack == .encoder ? "encoder" : "decoder") L\(layer) H\(head)" }

    /// Every head: encoder layers x heads, then decoder layers x heads (row-major), the order of
    /// every per-unit array of the geometry.
    public static func all(_ c: ModelConfiguration) -> [HeadUnit] {
        Stack.allCases.flatMap { stack in
            let s = c.stack(stack)
            return (0..<s.depth).flatMap { l in (0..<s.heads).map { HeadUnit(stack: stack, layer: l, head: $0) } }
        }
    }

    /// This head's vector in `values`, one stack's array [depth, tokens, heads, headWidth] (row-major,
    /// as `HeadOutputs` and `TaskStatistics` store it), as Double: [tokens * headWidth].
    public func vector<T: BinaryFloatingPoint>(in values: [T], configuration c: ModelConfiguration) -> [Double] {
        let s = c.stack(stack)
        let tokens = values.count / (s.depth * s.width)
        var out = [Double](repeating: 0, count: tokens * s.headWidth)
        for t in 0..<tokens {
            let start = (layer * tokens + t) * s.width + head * s.headWidth
            for d in 0..<s.headWidth { out[t * s.headWidth + d] = Double(values[start + d]) }
        }
        return out
    }
}

extension HeadUnit {
    /// Parses `encoder:L:H` or `decoder:L:H` (`vtv score --projection-head`), checked against `c`.
    public init(parsing text: String, configuration c: ModelConfiguration) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let stacks = ["encoder": Stack.encoder, "decoder": .decoder]
        guard parts.count == 3, let stack = stacks[parts[0]], let layer = Int(parts[1]), let head = Int(parts[2]) else {
            throw SearchInputError.invalid("'\(text)' is not a head: expected encoder:LAYER:HEAD or decoder:LAYER:HEAD")
        }
        let s = c.stack(stack)
        guard (0..<s.depth).contains(layer), (0..<s.heads).contains(head) else {
            throw SearchInputError.invalid(
                "'\(text)' is not a head of this model: the \(parts[0]) has layers 0...\(s.depth - 1) and heads "
                    + "0...\(s.heads - 1)")
        }
        self.init(stack: stack, layer: layer, head: head)
    }
}
