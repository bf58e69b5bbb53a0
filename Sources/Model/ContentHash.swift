extension WeightStore {
    /// A 64-bit FNV-1a hash, as 16 hex digits, over every tensor in name order: its name, its
    /// shape and its float32 bits. Equal weights give equal hashes on every machine; activations
    /// and task-vector files record it so they are never applied to another model.
    public var contentHash: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01B3
        for name in names {
            for byte in name.utf8 { hash = (hash ^ UInt64(byte)) &* prime }
            let t = tensors[name]!
            for d in t.shape { hash = (hash ^ UInt64(d)) &* prime }
            t.values.withUnsafeBufferPointer { values in
                for v in values { hash = (hash ^ UInt64(v.bitPattern)) &* prime }
            }
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
