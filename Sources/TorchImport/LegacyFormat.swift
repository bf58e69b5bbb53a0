/// The legacy checkpoint format of `torch.save` (before PyTorch 1.6, and
/// `_use_new_zipfile_serialization=False` since).
///
/// Format facts relied on (torch/serialization.py `_legacy_save`): the file is five pickles back
/// to back, then raw storages:
/// 1. the magic number 0x1950a86a20f9469cfc6c (a LONG1 of 10 bytes),
/// 2. the protocol version 1001,
/// 3. sys info, a dict with `little_endian`, `protocol_version`, `type_sizes`,
/// 4. the object, whose persistent ids are `('storage', torch.<Type>Storage, key, location,
///    numel, view_metadata=None)`,
/// 5. the list of storage keys, sorted as strings;
/// then, for each key in that order, an int64 element count followed by the raw
/// little-endian elements (count × element size bytes), with no padding.
enum LegacyFormat {
    /// The magic number as LONG1 stores it: little-endian two's complement.
    static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

    /// Whether the file starts like a pickle (a PROTO opcode), which a legacy checkpoint does.
    static func looksLikeLegacy(_ file: MappedFile) -> Bool {
        file.count >= 2 && file.bytes[0] == 0x80 && file.bytes[1] >= 2 && file.bytes[1] <= 5
    }

    static func read(_ file: MappedFile) throws -> PickleValue {
        let path = file.path
        var position = 0
        func pickle(_ context: String, _ storages: StorageSource?) throws -> PickleValue {
            var machine = Unpickler(
                file: file, range: position..<file.count, context: context, storages: storages,
                endError: { TorchImportError(.truncatedLegacyFile, file: path, "the file ends inside \(context)") })
            let (value, end) = try machine.run()
            position = end
            return value
        }

        let first: PickleValue
        do {
            first = try pickle("the magic number pickle", nil)
        } catch let error as TorchImportError where error.kind == .truncatedLegacyFile {
            // Cut inside the first 15 bytes: truncated only if what is there is the magic number's start.
            let expected: [UInt8] = [0x80, file.bytes[1], 0x8A, 0x0A] + magic + [0x2E]
            if file.count < expected.count, file.bytes.elementsEqual(expected.prefix(file.count)) { throw error }
            throw TorchImportError(
                .notPyTorchFile, file: path, "a Python pickle stream, but not one written by torch.save")
        } catch {
            throw TorchImportError(
                .notPyTorchFile, file: path, "starts like a pickle but is not one written by torch.save")
        }
        guard case .bigInt(magic) = first else {
            throw TorchImportError(
                .notPyTorchFile, file: path,
                "a Python pickle whose first value is \(first.summary), not torch.save's magic number")
        }
        let version = try pickle("the protocol version pickle", nil)
        guard case .int(1001) = version else {
            throw TorchImportError(
                .unsupported, file: path, "legacy protocol version \(version.summary); only 1001 is read")
        }
        let systemInfo = try pickle("the sys info pickle", nil)
        if case .bool(false) = systemInfo["little_endian"] {
            throw TorchImportError(
                .unsupported, file: path, "written on a big-endian machine; only little-endian is read")
        }
        let source = LegacyStorageSource(file: file)
        let object = try pickle("the object pickle", source)
        let keyList = try pickle("the storage key list pickle", nil)
        guard case .list(let keys) = keyList else {
            throw TorchImportError(.malformedPickle, file: path, "the storage key list is \(keyList.summary)")
        }

        for (n, keyValue) in keys.enumerated() {
            let key: String
            switch keyValue {
            case .string(let s): key = s
            case .int(let i): key = String(i)
            default: throw TorchImportError(.malformedPickle, file: path, "storage key \(n) is \(keyValue.summary)")
            }
            guard let storage = source.storages[key] else {
                throw TorchImportError(
                    .malformedPickle, file: path,
                    "storage '\(key)' is listed but no tensor uses it, so its element size is unknown")
            }
            let storageDescription = "storage '\(key)' (\(n + 1) of \(keys.count))"
            guard file.count - position >= 8 else {
                throw TorchImportError(
                    .truncatedLegacyFile, file: path, "the file ends before \(storageDescription) at byte \(position)")
            }
            let count = Int64(littleEndian: file.bytes.loadUnaligned(fromByteOffset: position, as: Int64.self))
            guard count >= Int64(storage.count) else {
                throw TorchImportError(
                    .storageOutOfBounds, file: path,
                    "\(storageDescription) holds \(count) elements but its tensors need \(storage.count)")
            }
            let (bytes, overflow) = Int(truncatingIfNeeded: count).multipliedReportingOverflow(
                by: storage.dtype.byteWidth)
            guard !overflow, count <= Int64(Int.max), bytes <= file.count - position - 8 else {
                throw TorchImportError(
                    .truncatedLegacyFile, file: path,
                    "\(storageDescription) needs \(count) \(storage.dtype) elements at byte \(position + 8) but the file ends at \(file.count)"
                )
            }
            storage.byteOffset = position + 8
            position += 8 + bytes
        }
        if let lost = source.storages.values.first(where: { $0.byteOffset == nil }) {
            throw TorchImportError(
                .missingRecord, file: path, "storage '\(lost.key)' is used by a tensor but missing from the key list")
        }
        return object
    }
}

/// Storages of a legacy checkpoint, located only once the key list has been read.
final class LegacyStorageSource: StorageSource {
    let file: MappedFile
    private(set) var storages: [String: TorchStorage] = [:]

    init(file: MappedFile) { self.file = file }

    func storage(key: String, dtype: TorchDType, count: Int) throws -> TorchStorage {
        if let known = storages[key] {
            guard known.dtype == dtype, known.count == count else {
                throw TorchImportError(
                    .unsupported, file: file.path, "storage '\(key)' is used with two dtypes or sizes")
            }
            return known
        }
        let storage = TorchStorage(file: file, key: key, dtype: dtype, count: count, byteOffset: nil)
        storages[key] = storage
        return storage
    }
}
