/// The zip checkpoint format of `torch.save` (PyTorch 1.6 and later).
///
/// Format facts relied on: the archive holds `<name>/data.pkl` (the object pickle, protocol 2),
/// `<name>/data/<key>` (one raw storage per key, little-endian elements, stored uncompressed and
/// in recent versions aligned to 64 bytes), `<name>/byteorder` ("little" or "big"; absent in
/// old files, meaning little) and version records this reader ignores. `<name>` is the file's
/// stem when it was saved, not necessarily its current name. Persistent ids in `data.pkl` are
/// `('storage', torch.<Type>Storage, key, location, numel)`.
enum ZipFormat {
    static func read(_ file: MappedFile) throws -> PickleValue {
        let archive = try ZipArchive(file: file)
        guard
            let pickle = archive.entries.first(where: { entry in
                entry.name.hasSuffix("data.pkl")
                    && entry.name.split(separator: "/", omittingEmptySubsequences: false).count <= 2
            })
        else {
            throw TorchImportError(
                .missingRecord, file: file.path,
                "a zip archive without a '<name>/data.pkl' record, so not a torch.save checkpoint")
        }
        let prefix = String(pickle.name.dropLast("data.pkl".count))
        if let order = archive.entry(named: prefix + "byteorder") {
            let text = String(
                decoding: UnsafeRawBufferPointer(rebasing: file.bytes[try archive.dataRange(of: order)]), as: UTF8.self)
            guard text == "little" else {
                throw TorchImportError(
                    .unsupported, file: file.path,
                    "storages are stored '\(text.prefix(20))'-endian; only little-endian is read")
            }
        }
        let source = ZipStorageSource(archive: archive, prefix: prefix)
        var machine = Unpickler(
            file: file, range: try archive.dataRange(of: pickle), context: pickle.name,
            storages: source,
            endError: {
                TorchImportError(.malformedPickle, file: file.path, "\(pickle.name) ends before its STOP opcode")
            })
        return try machine.run().value
    }
}

/// Storages of a zip checkpoint: record `<name>/data/<key>`, read in place.
final class ZipStorageSource: StorageSource {
    let archive: ZipArchive
    let prefix: String
    private var cache: [String: TorchStorage] = [:]

    init(archive: ZipArchive, prefix: String) {
        self.archive = archive
        self.prefix = prefix
    }

    func storage(key: String, dtype: TorchDType, count: Int) throws -> TorchStorage {
        let cacheKey = "\(key)/\(dtype)/\(count)"
        if let known = cache[cacheKey] { return known }
        let file = archive.file
        let name = prefix + "data/" + key
        guard let entry = archive.entry(named: name) else {
            throw TorchImportError(.missingRecord, file: file.path, "no record '\(name)' for storage '\(key)'")
        }
        let range = try archive.dataRange(of: entry)
        let (needed, overflow) = count.multipliedReportingOverflow(by: dtype.byteWidth)
        guard !overflow, needed <= range.count else {
            throw TorchImportError(
                .storageOutOfBounds, file: file.path,
                "storage '\(key)' claims \(count) \(dtype) elements but its record holds \(range.count) bytes")
        }
        let storage = TorchStorage(file: file, key: key, dtype: dtype, count: count, byteOffset: range.lowerBound)
        cache[cacheKey] = storage
        return storage
    }
}
