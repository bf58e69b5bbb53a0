/// The data a checkpoint's pickle describes, as plain values.
///
/// Pickle facts relied on: a pickle is a program for a stack machine whose only effects are
/// building objects; "calling" a global (REDUCE, NEWOBJ) is how classes and functions enter.
/// This reader never calls anything: known torch and collections globals are interpreted
/// (tensors, OrderedDict), every other call becomes an opaque `.object` recording what would
/// have been called with which arguments. Shared references in the pickle (its memo) become
/// shared copy-on-write values here; a container that contains itself is cut at the cycle.
public indirect enum PickleValue: Sendable {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer beyond 64 bits: little-endian two's complement bytes (pickle LONG1/LONG4).
    case bigInt([UInt8])
    case float(Double)
    case string(String)
    case bytes([UInt8])
    /// A list, or a set/frozenset (in pickle order).
    case list([PickleValue])
    case tuple([PickleValue])
    /// A dict or OrderedDict, in insertion order (a repeated key keeps its first position and last value).
    case dict([(key: PickleValue, value: PickleValue)])
    case tensor(TorchTensor)
    /// A reference to a class or function, `module.name`, that was never called.
    case global(String)
    /// The result of calling or instantiating a global this reader does not interpret.
    case object(PickleObject)

    /// The value under string key `key` if this is a dict holding it.
    public subscript(key: String) -> PickleValue? {
        guard case .dict(let entries) = self else { return nil }
        for (k, v) in entries { if case .string(key) = k { return v } }
        return nil
    }

    public var tensorValue: TorchTensor? { if case .tensor(let t) = self { return t }; return nil }
    public var intValue: Int? { if case .int(let i) = self { return i }; return nil }
    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }

    /// A short description for messages: "a dict of 12 entries", "an instance of argparse.Namespace".
    public var summary: String {
        switch self {
        case .none: return "None"
        case .bool(let b): return b ? "True" : "False"
        case .int(let i): return "the int \(i)"
        case .bigInt: return "a big int"
        case .float(let f): return "the float \(f)"
        case .string(let s): return "the string '\(s.prefix(40))'"
        case .bytes(let b): return "\(b.count) bytes"
        case .list(let l): return "a list of \(l.count) items"
        case .tuple(let t): return "a tuple of \(t.count) items"
        case .dict(let d): return "a dict of \(d.count) entries"
        case .tensor(let t): return "a \(t.dtype) tensor of shape \(t.shape)"
        case .global(let g): return "the global \(g)"
        case .object(let o): return "an object built by \(o.type)"
        }
    }
}

/// What an uninterpreted call in the pickle would have produced: the global that would have
/// been called (`type`, e.g. `argparse.Namespace`), its arguments, and the state BUILD would
/// have applied (for plain Python objects, the instance's `__dict__`).
public struct PickleObject: Sendable {
    public let type: String
    public let arguments: [PickleValue]
    public let state: PickleValue?
    /// Items that APPEND(S) or SETITEM(S) added to the object (list and dict subclasses).
    public let items: [PickleValue]
    public let entries: [(key: PickleValue, value: PickleValue)]
}
