import Storage

/// Errors in a model's weights, each naming the tensor and what to do.
public enum WeightError: Error, CustomStringConvertible, Equatable {
    case missing([String])
    case misShaped([(name: String, expected: [Int], found: [Int])])
    case unexpected([String])
    case inconsistent(String)

    public static func == (a: WeightError, b: WeightError) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case .missing(let names):
            return "the model has no tensor\(names.count > 1 ? "s" : "") "
                + names.map { "'\($0)'" }.joined(separator: ", ")
                + "; is this an MAE-VQGAN model file for this configuration?"
        case .misShaped(let items):
            return items.map { "tensor '\($0.name)' has shape \($0.found), expected \($0.expected)" }
                .joined(separator: "; ")
        case .unexpected(let names):
            return "unexpected tensor\(names.count > 1 ? "s" : "") " + names.map { "'\($0)'" }.joined(separator: ", ")
                + " for this configuration"
        case .inconsistent(let message):
            return message
        }
    }
}

/// Every tensor of a model by its PyTorch state-dict name (MAE names unprefixed, VQGAN under
/// `vae.`), with PyTorch shapes: Linear weights [out, in], conv weights [out, in, kh, kw].
public struct WeightStore {
    public private(set) var tensors: [String: Tensor]

    public init(_ tensors: [String: Tensor] = [:]) {
        self.tensors = tensors
    }

    public subscript(name: String) -> Tensor? {
        get { tensors[name] }
        set { tensors[name] = newValue }
    }

    /// All names, sorted.
    public var names: [String] { tensors.keys.sorted() }

    /// Total number of scalars.
    public var parameterCount: Int { tensors.values.reduce(0) { $0 + $1.count } }

    /// The tensor `name`, which must exist (call `validate` first for user-facing checks).
    public func require(_ name: String) throws -> Tensor {
        guard let t = tensors[name] else { throw WeightError.missing([name]) }
        return t
    }

    /// Checks the store against the expected names and shapes, reporting every problem at once:
    /// missing tensors first, then mis-shaped ones, then (if `allowExtra` is false) unexpected ones.
    public func validate(against expected: [String: [Int]], allowExtra: Bool = false) throws {
        let missing = expected.keys.filter { tensors[$0] == nil }.sorted()
        if !missing.isEmpty { throw WeightError.missing(missing) }
        let misShaped = expected.keys.sorted().compactMap { name -> (name: String, expected: [Int], found: [Int])? in
            let found = tensors[name]!.shape
            return found == expected[name]! ? nil : (name, expected[name]!, found)
        }
        if !misShaped.isEmpty { throw WeightError.misShaped(misShaped) }
        if !allowExtra {
            let extra = tensors.keys.filter { expected[$0] == nil }.sorted()
            if !extra.isEmpty { throw WeightError.unexpected(extra) }
        }
    }

    /// Reads every dataset under `group` (e.g. `/weights`) as float32, converting other numeric types.
    /// With `expected` (name to shape), stored shapes are checked first, before any values are
    /// read, so a damaged file cannot make the reader allocate what its dataspace claims.
    public static func read(from group: HDF5Group, expected: [String: [Int]]? = nil) throws -> WeightStore {
        if let expected {
            let misShaped = try group.children().sorted().compactMap {
                name -> (name: String, expected: [Int], found: [Int])? in
                guard let shape = expected[name] else { return nil }
                let found = try group.shape(of: name)
                return found == shape ? nil : (name, shape, found)
            }
            if !misShaped.isEmpty { throw WeightError.misShaped(misShaped) }
        }
        var store = WeightStore()
        for name in try group.children() {
            let array = try group.readConverting(name, as: Float.self)
            store.tensors[name] = Tensor(shape: array.shape, values: array.values)
        }
        return store
    }

    /// Writes every tensor as a float32 dataset under `group`, named by its state-dict name.
    public func write(to group: HDF5Group) throws {
        for name in names {
            let t = tensors[name]!
            try group.write(name, t.values, shape: t.shape)
        }
    }
}
