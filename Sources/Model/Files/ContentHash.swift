/// The model's content hash: 64-bit FNV-1a, as 16 hex digits, over every tensor in name order:
/// its name (UTF-8), its shape (one step per dimension) and its float32 bit patterns (one step
/// per element). Equal weights give equal hashes on every machine; activations and task-vector
/// files record it so they are never applied to another model.
///
/// Incremental so that a writer can fold in each tensor as it streams past and drop it; feeding
/// the tensors of a `WeightStore` in `names` order gives `WeightStore.contentHash`.
public struct ContentHasher {
    private var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    private static let prime: UInt64 = 0x0000_0100_0000_01B3

    public init() {}

    /// Folds in one tensor; callers must add tensors in sorted-name order.
    /// values: [shape.product] row-major.
    public mutating func add(name: String, shape: [Int], values: UnsafeBufferPointer<Float>) {
        let prime = Self.prime
        var h = hash
        for byte in name.utf8 { h = (h ^ UInt64(byte)) &* prime }
        for d in shape { h = (h ^ UInt64(d)) &* prime }
        for v in values { h = (h ^ UInt64(v.bitPattern)) &* prime }
        hash = h
    }

    /// Folds in one tensor; see `add(name:shape:values:)`.
    public mutating func add(name: String, _ tensor: Tensor) {
        tensor.values.withUnsafeBufferPointer { add(name: name, shape: tensor.shape, values: $0) }
    }

    /// The hash of everything added so far, as 16 lowercase hex digits.
    public var value: String {
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension WeightStore {
    /// `ContentHasher` over every tensor in name order; recorded as the model file's `content_hash`.
    public var contentHash: String {
        var hasher = ContentHasher()
        for name in names { hasher.add(name: name, tensors[name]!) }
        return hasher.value
    }
}
