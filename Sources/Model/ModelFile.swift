import Storage

/// A vtv model file: HDF5 with the configuration as attributes of `/config` (see
/// `ModelConfiguration.attributeNames`) and every tensor under `/weights/<state-dict name>`
/// (the MAE unprefixed, the VQGAN under `vae.`), float32 in PyTorch layouts.
public enum ModelFile {
    /// Reads and validates a model file: the configuration, then every tensor it implies,
    /// reporting all missing, mis-shaped or unexpected tensors at once.
    public static func read(_ path: String) throws -> (configuration: ModelConfiguration, weights: WeightStore) {
        let file = try HDF5File.open(path)
        let configuration = try ModelConfiguration(readingAttributesOf: "config", in: file.root)
        let weights = try WeightStore.read(from: file.root.group("weights"))
        try weights.validate(against: configuration.expectedTensors)
        return (configuration, weights)
    }

    /// Writes a model file atomically (a temporary file renamed into place), after checking the
    /// weights against the configuration.
    public static func write(configuration: ModelConfiguration, weights: WeightStore, to path: String) throws {
        try weights.validate(against: configuration.expectedTensors)
        let file = try HDF5File.create(path)
        do {
            try configuration.writeAttributes(to: "config", in: file.root)
            try weights.write(to: try file.root.createGroup("weights"))
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }

    /// A 64-bit FNV-1a hash of the weights, as 16 hex digits: over every tensor in name order,
    /// its name's UTF-8 bytes, a zero byte, its rank and dimensions as little-endian Int64, and
    /// its float32 values as little-endian bytes. Equal hashes mean equal names, shapes and bits.
    public static func contentHash(_ weights: WeightStore) -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        @inline(__always) func mix(_ byte: UInt8) { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        func mix64(_ v: UInt64) { for i in 0..<8 { mix(UInt8(truncatingIfNeeded: v >> (8 * UInt64(i)))) } }
        for name in weights.names {
            let t = weights[name]!
            name.utf8.forEach(mix)
            mix(0)
            mix64(UInt64(t.shape.count))
            t.shape.forEach { mix64(UInt64(bitPattern: Int64($0))) }
            for v in t.values {
                let bits = v.bitPattern
                mix(UInt8(truncatingIfNeeded: bits)); mix(UInt8(truncatingIfNeeded: bits >> 8))
                mix(UInt8(truncatingIfNeeded: bits >> 16)); mix(UInt8(truncatingIfNeeded: bits >> 24))
            }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
