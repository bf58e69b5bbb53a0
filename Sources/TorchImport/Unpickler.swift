/// A pickle virtual machine that builds data and never executes anything.
///
/// Pickle facts relied on (CPython `pickletools`, protocols 0-5): a pickle is a sequence of
/// one-byte opcodes with inline operands, run against a stack, a mark stack (MARK pushes the
/// stack height; TUPLE, LIST, DICT, APPENDS, SETITEMS pop back to it) and a memo of numbered
/// slots (BINPUT/MEMOIZE store the top, BINGET pushes it again, sharing the same object).
/// Binary integers are little-endian except BINFLOAT, a big-endian float64. STOP ends the
/// pickle and its value is the top of the stack; a file may hold several pickles back to back
/// (the legacy torch format), so `run` reports where STOP ended.
///
/// Containers are reference objects while the machine runs, because APPEND/SETITEM/BUILD
/// mutate an object that the memo may also hold; at STOP they are frozen into `PickleValue`s
/// (each container once, so shared sub-structures cost nothing twice, and cycles are cut).

/// A value on the machine's stack.
enum Node {
    case leaf(PickleValue)
    case global(module: String, name: String)
    case container(Container)
    /// A storage returned by persistent load, before a rebuild function wraps it in a tensor.
    case storage(TorchStorage)
}

/// A mutable Python container or opaque object while the machine runs.
final class Container {
    enum Kind {
        case list, set, tuple, dict
        case object(type: String)
    }
    let kind: Kind
    var items: [Node] = []
    var entries: [(key: Node, value: Node)] = []
    var arguments: [Node] = []
    var state: Node?
    /// Position of each string/int key in `entries`, so that a repeated key replaces its value.
    private var keyIndex: [DictKey: Int] = [:]

    private enum DictKey: Hashable {
        case string(String)
        case int(Int)
    }

    init(_ kind: Kind, items: [Node] = []) {
        self.kind = kind
        self.items = items
    }

    func set(_ key: Node, _ value: Node) {
        let hashable: DictKey?
        switch key {
        case .leaf(.string(let s)): hashable = .string(s)
        case .leaf(.int(let i)): hashable = .int(i)
        default: hashable = nil
        }
        if let hashable, let at = keyIndex[hashable] {
            entries[at].value = value
            return
        }
        if let hashable { keyIndex[hashable] = entries.count }
        entries.append((key, value))
    }

    /// Drops all children so that tearing down a deep structure never recurses.
    func clear() {
        items = []
        entries = []
        arguments = []
        state = nil
        keyIndex = [:]
    }
}

/// Resolves a persistent id's storage reference to bytes in the file.
protocol StorageSource: AnyObject {
    func storage(key: String, dtype: TorchDType, count: Int) throws -> TorchStorage
}

struct Unpickler {
    let file: String
    /// Which pickle this is, for messages ("data.pkl", "the legacy object pickle").
    let context: String
    let storages: StorageSource?
    var reader: ByteReader
    var stack: [Node] = []
    var marks: [Int] = []
    var memo: [Int: Node] = [:]
    /// Every container created, torn down iteratively at the end.
    var arena: [Container] = []
    /// Offset of the opcode being run, for messages.
    var opcodeAt = 0

    /// Frozen values deeper than this are refused (no checkpoint nests anywhere near this).
    static let maxDepth = 256

    /// Runs the pickle that starts at `range.lowerBound`; running out of bytes throws `endError`.
    init(
        file: MappedFile, range: Range<Int>, context: String, storages: StorageSource?,
        endError: @escaping () -> TorchImportError
    ) {
        self.file = file.path
        self.context = context
        self.storages = storages
        reader = ByteReader(file.bytes, range: range, endError: endError)
    }

    func malformed(_ detail: String) -> TorchImportError {
        TorchImportError(.malformedPickle, file: file, "\(context), byte \(opcodeAt): \(detail)")
    }

    func unsupported(_ detail: String) -> TorchImportError {
        TorchImportError(.unsupported, file: file, "\(context), byte \(opcodeAt): \(detail)")
    }

    /// Runs to STOP and returns the value and the offset just after STOP.
    mutating func run() throws -> (value: PickleValue, end: Int) {
        defer {
            for container in arena { container.clear() }
            arena = []
            stack = []
            memo = [:]
        }
        while true {
            opcodeAt = reader.position
            let opcode = try reader.u8()
            if opcode == 0x2E { // STOP
                let result = try pop()
                var cache: [ObjectIdentifier: PickleValue] = [:]
                var active = Set<ObjectIdentifier>()
                return (try freeze(result, depth: 0, cache: &cache, active: &active), reader.position)
            }
            try step(opcode)
        }
    }

    // MARK: stack

    mutating func push(_ node: Node) { stack.append(node) }

    mutating func pop() throws -> Node {
        guard stack.count > (marks.last ?? 0) else { throw malformed("stack underflow") }
        return stack.removeLast()
    }

    func top() throws -> Node {
        guard stack.count > (marks.last ?? 0), let last = stack.last else { throw malformed("stack underflow") }
        return last
    }

    mutating func popMark() throws -> [Node] {
        guard let mark = marks.popLast() else { throw malformed("no MARK to pop to") }
        let items = Array(stack[mark...])
        stack.removeSubrange(mark...)
        return items
    }

    mutating func make(_ kind: Container.Kind, items: [Node] = []) -> Node {
        let container = Container(kind, items: items)
        arena.append(container)
        return .container(container)
    }

    // MARK: operands

    mutating func length(_ raw: UInt64) throws -> Int {
        guard raw <= UInt64(reader.remaining) else { throw reader.endError() }
        return Int(raw)
    }

    mutating func utf8(count: Int) throws -> String {
        String(decoding: try reader.slice(count), as: UTF8.self)
    }

    mutating func bytes(count: Int) throws -> [UInt8] { Array(try reader.slice(count)) }

    mutating func textLine() throws -> String { String(decoding: try reader.line(), as: UTF8.self) }

    /// Little-endian two's complement, as LONG1/LONG4 store it.
    static func decodeLong(_ bytes: [UInt8]) -> PickleValue {
        guard !bytes.isEmpty else { return .int(0) }
        guard bytes.count <= 8 else { return .bigInt(bytes) }
        var value: UInt64 = 0
        for (i, b) in bytes.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
        let shift = UInt64(64 - 8 * bytes.count)
        return .int(Int(Int64(bitPattern: value << shift) >> shift))
    }

    mutating func memoPut(_ slot: Int) throws {
        guard slot >= 0 else { throw malformed("negative memo slot") }
        memo[slot] = try top()
    }

    mutating func memoGet(_ slot: Int) throws {
        guard let node = memo[slot] else { throw malformed("memo slot \(slot) is empty") }
        push(node)
    }

    // MARK: opcodes

    mutating func step(_ opcode: UInt8) throws {
        switch opcode {
        case 0x80: // PROTO
            let version = try reader.u8()
            guard version <= 5 else { throw unsupported("pickle protocol \(version)") }
        case 0x95: // FRAME: a length prefix for buffering; the content is ordinary opcodes
            _ = try reader.u64()
        case 0x28: // MARK
            marks.append(stack.count)
        case 0x30: // POP
            if stack.count > (marks.last ?? 0) { stack.removeLast() } else { _ = try popMark() }
        case 0x31: // POP_MARK
            _ = try popMark()
        case 0x32: // DUP
            push(try top())

        case 0x4E: push(.leaf(.none))
        case 0x88: push(.leaf(.bool(true)))
        case 0x89: push(.leaf(.bool(false)))
        case 0x4A: // BININT
            push(.leaf(.int(Int(Int32(bitPattern: try reader.u32())))))
        case 0x4B: // BININT1
            push(.leaf(.int(Int(try reader.u8()))))
        case 0x4D: // BININT2
            push(.leaf(.int(Int(try reader.u16()))))
        case 0x8A: // LONG1
            let n = Int(try reader.u8())
            push(.leaf(Self.decodeLong(try bytes(count: n))))
        case 0x8B: // LONG4
            let n = Int(Int32(bitPattern: try reader.u32()))
            guard n >= 0 else { throw malformed("negative LONG4 length") }
            push(.leaf(Self.decodeLong(try bytes(count: n))))
        case 0x49, 0x4C: // INT, LONG (text)
            var text = try textLine()
            if opcode == 0x4C, text.hasSuffix("L") { text.removeLast() }
            if opcode == 0x49, text == "00" || text == "01" { push(.leaf(.bool(text == "01"))); break }
            guard let value = Int(text) else { throw malformed("bad integer literal '\(text.prefix(40))'") }
            push(.leaf(.int(value)))
        case 0x47: // BINFLOAT, big-endian
            push(.leaf(.float(Double(bitPattern: UInt64(bigEndian: UInt64(littleEndian: try reader.u64()))))))
        case 0x46: // FLOAT (text)
            let text = try textLine()
            guard let value = Double(text) else { throw malformed("bad float literal '\(text.prefix(40))'") }
            push(.leaf(.float(value)))

        case 0x58: // BINUNICODE
            push(.leaf(.string(try utf8(count: try length(UInt64(try reader.u32()))))))
        case 0x8C: // SHORT_BINUNICODE
            push(.leaf(.string(try utf8(count: Int(try reader.u8())))))
        case 0x8D: // BINUNICODE8
            push(.leaf(.string(try utf8(count: try length(try reader.u64())))))
        case 0x54: // BINSTRING (Python 2 str, read as UTF-8 like torch.load does)
            let n = Int(Int32(bitPattern: try reader.u32()))
            guard n >= 0 else { throw malformed("negative BINSTRING length") }
            push(.leaf(.string(try utf8(count: n))))
        case 0x55: // SHORT_BINSTRING
            push(.leaf(.string(try utf8(count: Int(try reader.u8())))))
        case 0x42: // BINBYTES
            push(.leaf(.bytes(try bytes(count: try length(UInt64(try reader.u32()))))))
        case 0x43: // SHORT_BINBYTES
            push(.leaf(.bytes(try bytes(count: Int(try reader.u8())))))
        case 0x8E, 0x96: // BINBYTES8, BYTEARRAY8
            push(.leaf(.bytes(try bytes(count: try length(try reader.u64())))))

        case 0x29: push(make(.tuple)) // EMPTY_TUPLE
        case 0x85: // TUPLE1
            let a = try pop()
            push(make(.tuple, items: [a]))
        case 0x86: // TUPLE2
            let b = try pop(), a = try pop()
            push(make(.tuple, items: [a, b]))
        case 0x87: // TUPLE3
            let c = try pop(), b = try pop(), a = try pop()
            push(make(.tuple, items: [a, b, c]))
        case 0x74: push(make(.tuple, items: try popMark())) // TUPLE
        case 0x5D: push(make(.list)) // EMPTY_LIST
        case 0x6C: push(make(.list, items: try popMark())) // LIST
        case 0x7D: push(make(.dict)) // EMPTY_DICT
        case 0x64: // DICT
            let items = try popMark()
            let dict = make(.dict)
            try setItems(items, into: dict)
            push(dict)
        case 0x8F: push(make(.set)) // EMPTY_SET
        case 0x91: push(make(.set, items: try popMark())) // FROZENSET

        case 0x61: // APPEND
            let value = try pop()
            try append([value], to: try top())
        case 0x65, 0x90: // APPENDS, ADDITEMS
            let items = try popMark()
            try append(items, to: try top())
        case 0x73: // SETITEM
            let value = try pop(), key = try pop()
            try setItems([key, value], into: try top())
        case 0x75: // SETITEMS
            let items = try popMark()
            try setItems(items, into: try top())

        case 0x71: try memoPut(Int(try reader.u8())) // BINPUT
        case 0x72: try memoPut(Int(try reader.u32())) // LONG_BINPUT
        case 0x94: try memoPut(memo.count) // MEMOIZE
        case 0x70: // PUT (text)
            let text = try textLine()
            guard let slot = Int(text) else { throw malformed("bad PUT slot '\(text.prefix(40))'") }
            try memoPut(slot)
        case 0x68: try memoGet(Int(try reader.u8())) // BINGET
        case 0x6A: try memoGet(Int(try reader.u32())) // LONG_BINGET
        case 0x67: // GET (text)
            let text = try textLine()
            guard let slot = Int(text) else { throw malformed("bad GET slot '\(text.prefix(40))'") }
            try memoGet(slot)

        case 0x63: // GLOBAL "module\nname\n"
            let module = try textLine(), name = try textLine()
            push(.global(module: Self.python3Module(module), name: name))
        case 0x93: // STACK_GLOBAL
            let name = try pop(), module = try pop()
            guard case .leaf(.string(let m)) = module, case .leaf(.string(let n)) = name else {
                throw malformed("STACK_GLOBAL needs two strings")
            }
            push(.global(module: m, name: n))
        case 0x52: // REDUCE: callable(*args)
            let arguments = try pop(), callable = try pop()
            push(try call(callable, arguments: try tupleItems(arguments, "REDUCE arguments")))
        case 0x81: // NEWOBJ: cls.__new__(cls, *args)
            let arguments = try pop(), cls = try pop()
            push(try call(cls, arguments: try tupleItems(arguments, "NEWOBJ arguments")))
        case 0x92: // NEWOBJ_EX: cls.__new__(cls, *args, **kwargs)
            _ = try pop()
            let arguments = try pop(), cls = try pop()
            push(try call(cls, arguments: try tupleItems(arguments, "NEWOBJ_EX arguments")))
        case 0x69: // INST "module\nname\n", arguments since MARK
            let module = try textLine(), name = try textLine()
            let arguments = try popMark()
            push(try call(.global(module: Self.python3Module(module), name: name), arguments: arguments))
        case 0x6F: // OBJ: cls and arguments since MARK
            var items = try popMark()
            guard !items.isEmpty else { throw malformed("OBJ without a class") }
            let cls = items.removeFirst()
            push(try call(cls, arguments: items))
        case 0x62: // BUILD: setstate on the object below
            let state = try pop()
            if case .container(let target) = try top(), case .object = target.kind { target.state = state }
        // BUILD on anything else (an OrderedDict's `_metadata`, a tensor's hooks) carries no data we need.

        case 0x51: // BINPERSID
            push(try persistentLoad(try pop()))
        case 0x50: // PERSID (text)
            push(try persistentLoad(.leaf(.string(try textLine()))))

        case 0x82, 0x83, 0x84:
            throw unsupported("extension registry opcodes (EXT1/2/4) are not used by torch.save")
        case 0x97, 0x98:
            throw unsupported("out-of-band buffers (protocol 5) are not used by torch.save")
        case 0x53, 0x56:
            throw unsupported("protocol 0 string opcodes are not used by torch.save")
        default:
            throw malformed("unknown opcode 0x" + String(opcode, radix: 16))
        }
    }

    /// Protocol 2 pickles name Python 2 modules for builtins; CPython maps them back on load
    /// (`fix_imports`), and so do we, so that `builtins.print` reads the same in every protocol.
    static func python3Module(_ module: String) -> String {
        switch module {
        case "__builtin__": return "builtins"
        case "copy_reg": return "copyreg"
        default: return module
        }
    }

    func tupleItems(_ node: Node, _ what: String) throws -> [Node] {
        guard case .container(let c) = node, case .tuple = c.kind else { throw malformed("\(what) are not a tuple") }
        return c.items
    }

    func append(_ items: [Node], to target: Node) throws {
        guard case .container(let c) = target else { throw malformed("APPEND to a non-container") }
        switch c.kind {
        case .list, .set, .object: c.items.append(contentsOf: items)
        case .tuple, .dict: throw malformed("APPEND to a tuple or dict")
        }
    }

    func setItems(_ items: [Node], into target: Node) throws {
        guard items.count % 2 == 0 else { throw malformed("SETITEMS with an odd number of items") }
        guard case .container(let c) = target else { throw malformed("SETITEM on a non-container") }
        switch c.kind {
        case .dict, .object:
            for i in stride(from: 0, to: items.count, by: 2) { c.set(items[i], items[i + 1]) }
        case .list, .set, .tuple: throw malformed("SETITEM on a list or tuple")
        }
    }

    // MARK: freezing

    func freeze(
        _ node: Node, depth: Int, cache: inout [ObjectIdentifier: PickleValue],
        active: inout Set<ObjectIdentifier>
    ) throws -> PickleValue {
        guard depth <= Self.maxDepth else { throw malformed("objects nest deeper than \(Self.maxDepth) levels") }
        switch node {
        case .leaf(let value): return value
        case .global(let module, let name): return .global(module + "." + name)
        case .storage(let storage): return .tensor(try TorchTensor(wholeStorage: storage))
        case .container(let c):
            let id = ObjectIdentifier(c)
            if let done = cache[id] { return done }
            if active.contains(id) {
                return .object(
                    PickleObject(type: "<recursive reference>", arguments: [], state: nil, items: [], entries: []))
            }
            active.insert(id)
            defer { active.remove(id) }
            func all(_ nodes: [Node]) throws -> [PickleValue] {
                try nodes.map { try freeze($0, depth: depth + 1, cache: &cache, active: &active) }
            }
            func pairs() throws -> [(key: PickleValue, value: PickleValue)] {
                try c.entries.map {
                    (
                        try freeze($0.key, depth: depth + 1, cache: &cache, active: &active),
                        try freeze($0.value, depth: depth + 1, cache: &cache, active: &active)
                    )
                }
            }
            let value: PickleValue
            switch c.kind {
            case .list, .set: value = .list(try all(c.items))
            case .tuple: value = .tuple(try all(c.items))
            case .dict: value = .dict(try pairs())
            case .object(let type):
                let state = try c.state.map { try freeze($0, depth: depth + 1, cache: &cache, active: &active) }
                value = .object(
                    PickleObject(
                        type: type, arguments: try all(c.arguments), state: state,
                        items: try all(c.items), entries: try pairs()))
            }
            cache[id] = value
            return value
        }
    }
}
