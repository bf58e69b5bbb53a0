import Dispatch
import Storage

/// A vtv model file: HDF5 with the configuration as attributes of `/config` (see
/// `ModelConfiguration.attributeNames`) and every tensor under `/weights/<state-dict name>`
/// (the MAE unprefixed, the VQGAN under `vae.`), float32 in PyTorch layouts. The root attribute
/// `content_hash` holds `WeightStore.contentHash`, which files derived from the model record.
public enum ModelFile {
    /// Reads and validates a model file: the configuration, then every tensor it implies,
    /// reporting all missing, mis-shaped or unexpected tensors at once.
    /// A file of another kind (prompts, activations...) is refused as such (`FileKind`).
    public static func read(_ path: String) throws -> (configuration: ModelConfiguration, weights: WeightStore) {
        let (configuration, weights, _) = try readHashed(path)
        return (configuration, weights)
    }

    /// As `read`, with the weights' `WeightStore.contentHash`, computed once (it reads every value:
    /// about a second for ViT-L) and checked against the file's own record where it has one.
    public static func readHashed(_ path: String) throws
        -> (configuration: ModelConfiguration, weights: WeightStore, contentHash: String)
    {
        let file = try FileKind.model.open(path)
        return try FileKind.model.reading(path) {
            let configuration = try ModelConfiguration(readingAttributesOf: "config", in: file.root)
            let weights = try WeightStore.read(
                from: file.root.group("weights"), expected: configuration.expectedTensors)
            try weights.validate(against: configuration.expectedTensors)
            let hash = weights.contentHash
            // Files written by other tools (the h5py fixture) carry no hash; ours must still match theirs.
            if let stored = try? file.root.attribute("content_hash").stringValue, stored != hash {
                throw WeightError.inconsistent(
                    "\(path): the weights do not match the file's content_hash \(stored); the file is corrupted")
            }
            return (configuration, weights, hash)
        }
    }

    /// Reads only the configuration of a model file (no tensors).
    public static func readConfiguration(_ path: String) throws -> ModelConfiguration {
        let file = try FileKind.model.open(path)
        return try FileKind.model.reading(path) { try ModelConfiguration(readingAttributesOf: "config", in: file.root) }
    }

    /// Writes a model file atomically (a temporary file renamed into place), after checking the
    /// weights against the configuration.
    public static func write(configuration: ModelConfiguration, weights: WeightStore, to path: String) throws {
        try weights.validate(against: configuration.expectedTensors)
        try write(configuration: configuration, to: path) { name in weights[name]! }
    }

    /// Writes a model file atomically, holding one tensor in memory at a time: `tensor(name)` is
    /// called once for each tensor of `configuration.expectedTensors`, in sorted-name order, and
    /// its result is written, folded into the content hash and dropped before the next call.
    /// A tensor whose shape differs from the expected one is refused (nothing is published).
    public static func write(
        configuration: ModelConfiguration, to path: String,
        tensor: (_ name: String) throws -> Tensor
    ) throws {
        try write(configuration: configuration, to: path, streaming: { .owned(try tensor($0)) })
    }

    /// As `write(configuration:to:tensor:)`, with tensors that may be borrowed from memory the
    /// producer keeps (a mapped checkpoint): those are written and hashed in place, never copied,
    /// and their `release` runs once both are done with them.
    public static func write(
        configuration: ModelConfiguration, to path: String,
        streaming tensor: (_ name: String) throws -> StreamedTensor
    ) throws {
        let expected = configuration.expectedTensors
        let file = try HDF5File.create(path)
        do {
            try FileHeader(kind: .model).write(to: file.root, configuration: configuration)
            let group = try file.root.createGroup("weights")
            // The hash is one sequential chain over every value; it runs on its own thread, in
            // order, while the next tensors are read and written. At most two tensors wait for it,
            // so memory stays bounded by the largest tensors.
            final class Hashing: @unchecked Sendable { var hasher = ContentHasher() }
            let hashing = Hashing()
            let queue = DispatchQueue(label: "vtv.model-file.content-hash")
            let inFlight = DispatchSemaphore(value: 2)
            defer { queue.sync {} }
            for name in expected.keys.sorted() {
                let t = try tensor(name)
                if t.shape != expected[name]! {
                    t.release()
                    throw WeightError.misShaped([(name, expected[name]!, t.shape)])
                }
                inFlight.wait()
                queue.async {
                    t.withValues { hashing.hasher.add(name: name, shape: t.shape, values: $0) }
                    inFlight.signal()
                }
                do {
                    try t.withValues { try group.write(name, $0, shape: t.shape, checksum: false) }
                } catch {
                    queue.async { t.release() }
                    throw error
                }
                // The queue is serial: this runs after the tensor's hash.
                queue.async { t.release() }
            }
            let hash = queue.sync { hashing.hasher.value }
            // Known only once every tensor has passed; readers look attributes up by name.
            try file.root.setAttribute("content_hash", .string(hash))
            try file.commit()
        } catch {
            file.discard()
            throw error
        }
    }
}
