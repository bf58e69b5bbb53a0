/// What the globals in a `torch.save` pickle mean, interpreted as data instead of called.
///
/// Format facts relied on (torch/serialization.py, torch/_utils.py):
/// - Tensors: `torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride,
///   requires_grad, backward_hooks[, metadata])` (older: `_rebuild_tensor` with the first four);
///   parameters: `_rebuild_parameter(data, requires_grad, backward_hooks)` and
///   `_rebuild_parameter_with_state(..., state)`; tensor subclasses and tensors with Python
///   attributes: `torch._tensor._rebuild_from_type_v2(func, type, args, state)`.
/// - Storages come from persistent ids `('storage', torch.<Type>Storage, key, location, numel)`
///   (the legacy format adds a sixth field, view metadata, which is None for every file written
///   since PyTorch 1.0 and refused otherwise).
/// - `collections.OrderedDict` (what `state_dict()` returns) is rebuilt as `OrderedDict()` or
///   `OrderedDict([(k, v), ...])` followed by SETITEMS, then a BUILD of its `_metadata`, dropped.
/// Any other global is recorded as an opaque object (argparse `Namespace`, numpy scalars, ...).
extension Unpickler {
    /// `depth`: how many `_rebuild_from_type` calls this one is nested in; each interprets the
    /// next from its arguments, so a crafted chain would otherwise recurse once per level.
    mutating func call(_ callable: Node, arguments: [Node], depth: Int = 0) throws -> Node {
        guard case .global(let module, let name) = callable else {
            return opaque("<call of \(describe(callable))>", arguments)
        }
        switch (module, name) {
        case ("torch._utils", "_rebuild_tensor_v2"), ("torch._utils", "_rebuild_tensor"):
            return .leaf(.tensor(try rebuildTensor(arguments, "\(module).\(name)")))
        case ("torch._utils", "_rebuild_parameter"), ("torch._utils", "_rebuild_parameter_with_state"):
            guard let data = arguments.first else { throw malformed("\(name) without arguments") }
            return .leaf(.tensor(try expectTensor(data, "the data of \(module).\(name)")))
        case ("torch._tensor", "_rebuild_from_type_v2"), ("torch._tensor", "_rebuild_from_type"):
            guard arguments.count >= 3 else { throw malformed("\(name) needs (func, type, args, ...)") }
            guard depth < Self.maxRebuildNesting else {
                throw malformed("\(name) nested more than \(Self.maxRebuildNesting) levels deep")
            }
            let tensor = try call(
                arguments[0], arguments: try tupleItems(arguments[2], "\(name) arguments"), depth: depth + 1)
            return .leaf(.tensor(try expectTensor(tensor, "the result of \(module).\(name)")))
        case ("collections", "OrderedDict"):
            let dict = make(.dict)
            if let pairs = arguments.first {
                guard case .container(let c) = pairs else { throw malformed("OrderedDict of a non-iterable") }
                for pair in c.items {
                    guard case .container(let p) = pair, p.items.count == 2 else {
                        throw malformed("OrderedDict item is not a (key, value) pair")
                    }
                    try setItems(p.items, into: dict)
                }
            }
            return dict
        case ("_codecs", "encode"):
            // Protocol 2 writes Python 3 bytes as `_codecs.encode(text, 'latin1')`.
            guard arguments.count >= 1, case .leaf(.string(let text)) = arguments[0] else {
                return opaque("_codecs.encode", arguments)
            }
            var latin1: [UInt8] = []
            for scalar in text.unicodeScalars {
                guard scalar.value < 256 else { return .leaf(.bytes(Array(text.utf8))) }
                latin1.append(UInt8(scalar.value))
            }
            return .leaf(.bytes(latin1))
        default:
            return opaque("\(module).\(name)", arguments)
        }
    }

    /// Nested `_rebuild_from_type` calls beyond this are refused (torch.save writes one).
    static let maxRebuildNesting = 16

    mutating func opaque(_ type: String, _ arguments: [Node]) -> Node {
        let node = make(.object(type: type))
        if case .container(let c) = node { c.arguments = arguments }
        return node
    }

    func describe(_ node: Node) -> String {
        switch node {
        case .leaf(let value): return value.summary
        case .global(let module, let name): return "the global \(module).\(name)"
        case .storage(let s): return "storage '\(s.key)'"
        case .container(let c):
            switch c.kind {
            case .list, .set: return "a list"
            case .tuple: return "a tuple"
            case .dict: return "a dict"
            case .object(let type): return "an object built by \(type)"
            }
        }
    }

    /// A tensor where one must be: an opaque object here is an unknown global (what the
    /// reader refuses to run), anything else a malformed file.
    func expectTensor(_ node: Node, _ what: String) throws -> TorchTensor {
        if case .leaf(.tensor(let tensor)) = node { return tensor }
        if case .container(let c) = node, case .object(let type) = c.kind {
            throw TorchImportError(
                .unknownGlobal, file: file,
                "\(context), byte \(opcodeAt): \(what) is built by \(type), which this reader does not run; "
                    + "only torch tensor rebuilds are interpreted")
        }
        throw TorchImportError(.notATensor, file: file, "\(context), byte \(opcodeAt): \(what) is \(describe(node))")
    }

    func int(_ node: Node, _ what: String) throws -> Int {
        guard case .leaf(.int(let value)) = node else { throw malformed("\(what) is \(describe(node)), not an int") }
        return value
    }

    func ints(_ node: Node, _ what: String) throws -> [Int] {
        guard case .container(let c) = node else { throw malformed("\(what) is \(describe(node)), not a tuple") }
        return try c.items.map { try int($0, what) }
    }

    func rebuildTensor(_ arguments: [Node], _ function: String) throws -> TorchTensor {
        guard arguments.count >= 4 else { throw malformed("\(function) needs (storage, offset, size, stride)") }
        guard case .storage(let storage) = arguments[0] else {
            if case .container(let c) = arguments[0], case .object(let type) = c.kind {
                throw TorchImportError(
                    .unknownGlobal, file: file,
                    "\(context), byte \(opcodeAt): the storage of a tensor is built by \(type), which this reader does not run"
                )
            }
            throw malformed("\(function): the storage argument is \(describe(arguments[0]))")
        }
        return try TorchTensor(
            storage: storage, offset: try int(arguments[1], "storage offset"),
            shape: try ints(arguments[2], "tensor size"),
            strides: try ints(arguments[3], "tensor stride"))
    }

    mutating func persistentLoad(_ pid: Node) throws -> Node {
        guard case .container(let c) = pid, case .tuple = c.kind, c.items.count >= 5,
            case .leaf(.string("storage")) = c.items[0]
        else {
            throw malformed("persistent id \(describe(pid)) is not ('storage', type, key, location, numel)")
        }
        guard let storages else { throw malformed("a persistent id in a pickle that holds no tensors") }
        guard case .global(let module, let typeName) = c.items[1] else {
            throw malformed("storage type is \(describe(c.items[1]))")
        }
        guard module.hasPrefix("torch"), let dtype = TorchDType(storageClass: typeName) else {
            throw unsupported("storage type \(module).\(typeName)")
        }
        let key: String
        switch c.items[2] {
        case .leaf(.string(let s)): key = s
        case .leaf(.int(let i)): key = String(i)
        default: throw malformed("storage key is \(describe(c.items[2]))")
        }
        let count = try int(c.items[4], "storage element count")
        guard count >= 0 else { throw malformed("negative storage element count") }
        if c.items.count > 5, case .leaf(.none) = c.items[5] {
        } else if c.items.count > 5 {
            throw unsupported("storage views (view metadata in a persistent id, PyTorch < 1.0)")
        }
        return .storage(try storages.storage(key: key, dtype: dtype, count: count))
    }
}
