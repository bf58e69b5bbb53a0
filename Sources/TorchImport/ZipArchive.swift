/// The central directory of a zip archive, parsed directly from the mapped file.
///
/// Format facts relied on (PKWARE APPNOTE 6.3, all integers little-endian):
/// - The archive ends with the end-of-central-directory record (EOCD, signature 0x06054b50,
///   22 bytes plus a comment of up to 65535 bytes) giving the entry count, the central
///   directory's size and its offset.
/// - ZIP64: when a count or offset does not fit, the EOCD holds 0xFFFF/0xFFFFFFFF and a
///   ZIP64 locator (0x07064b50, 20 bytes, just before the EOCD) points at the ZIP64 EOCD record
///   (0x06064b50) with 64-bit values. Each central directory entry then carries a ZIP64 extra
///   field (id 0x0001) holding, in this order, only the fields whose 32-bit value is 0xFFFFFFFF:
///   uncompressed size, compressed size, local header offset.
/// - A central directory entry (0x02014b50) is 46 bytes plus name, extra and comment.
/// - An entry's data starts after its local header (0x04034b50): 30 bytes plus the name and the
///   *local* extra field, whose length may differ from the central one (`torch.save` pads
///   the local extra so that storages start on 64-byte boundaries).
/// - `torch.save` stores entries uncompressed (method 0); compressed entries are refused rather
///   than inflated, because storages are read in place.
struct ZipArchive {
    struct Entry {
        let name: String
        let method: UInt16
        let flags: UInt16
        let compressedSize: Int
        let size: Int
        let localHeaderOffset: Int
    }

    let file: MappedFile
    /// Entries in central directory order.
    let entries: [Entry]
    private let index: [String: Int]

    /// Whether the file starts like a zip archive (a local file header or an empty archive's EOCD).
    static func looksLikeZip(_ file: MappedFile) -> Bool {
        guard file.count >= 4 else { return false }
        let signature = file.bytes.loadUnaligned(as: UInt32.self).littleEndian
        return signature == 0x0403_4b50 || signature == 0x0605_4b50
    }

    init(file: MappedFile) throws {
        self.file = file
        let path = file.path
        let size = file.count
        let truncated = {
            TorchImportError(
                .truncatedZip, file: path,
                "the central directory runs past the end of the file (\(size) bytes); re-download or re-save it")
        }

        guard let eocd = Self.findEndRecord(file) else {
            throw TorchImportError(
                .truncatedZip, file: path,
                "no end-of-central-directory record in the last bytes of the file (\(size) bytes); "
                    + "the archive is probably cut short: re-download or re-save it")
        }
        var reader = ByteReader(file.bytes, range: eocd..<size, endError: truncated)
        _ = try reader.take(4 + 2 + 2 + 2)
        var count = Int(try reader.u16())
        var directorySize = Int(try reader.u32())
        var directoryOffset = Int(try reader.u32())

        // A ZIP64 locator sits immediately before the EOCD.
        if eocd >= 20, file.bytes.loadUnaligned(fromByteOffset: eocd - 20, as: UInt32.self).littleEndian == 0x0706_4b50
        {
            var locator = ByteReader(file.bytes, range: eocd - 20..<eocd, endError: truncated)
            _ = try locator.take(8)
            let recordOffset = try locator.u64()
            guard recordOffset <= UInt64(eocd - 20) else {
                throw TorchImportError(
                    .malformedZip, file: path, "ZIP64 end record offset \(recordOffset) is past its locator")
            }
            var record = ByteReader(file.bytes, range: Int(recordOffset)..<eocd - 20, endError: truncated)
            guard try record.u32() == 0x0606_4b50 else {
                throw TorchImportError(.malformedZip, file: path, "no ZIP64 end record at offset \(recordOffset)")
            }
            _ = try record.take(8 + 2 + 2 + 4 + 4 + 8)
            let total = try record.u64(), cdSize = try record.u64(), cdOffset = try record.u64()
            guard total <= UInt64(size), cdSize <= UInt64(size), cdOffset <= UInt64(size) else { throw truncated() }
            count = Int(total)
            directorySize = Int(cdSize)
            directoryOffset = Int(cdOffset)
        }
        guard directoryOffset <= size, directorySize <= size - directoryOffset else { throw truncated() }

        var directory = ByteReader(
            file.bytes, range: directoryOffset..<directoryOffset + directorySize,
            endError: truncated)
        var entries: [Entry] = []
        entries.reserveCapacity(min(count, directorySize / 46))
        var index: [String: Int] = [:]
        for n in 0..<count {
            guard try directory.u32() == 0x0201_4b50 else {
                throw TorchImportError(.malformedZip, file: path, "central directory entry \(n) has a bad signature")
            }
            _ = try directory.take(2 + 2)
            let flags = try directory.u16()
            let method = try directory.u16()
            _ = try directory.take(2 + 2 + 4)
            var compressed = UInt64(try directory.u32())
            var uncompressed = UInt64(try directory.u32())
            let nameLength = Int(try directory.u16())
            let extraLength = Int(try directory.u16())
            let commentLength = Int(try directory.u16())
            _ = try directory.take(2 + 2 + 4)
            var localOffset = UInt64(try directory.u32())
            let name = String(decoding: try directory.slice(nameLength), as: UTF8.self)
            let extraStart = try directory.take(extraLength)
            _ = try directory.take(commentLength)
            var extra = ByteReader(
                file.bytes, range: extraStart..<extraStart + extraLength,
                endError: {
                    TorchImportError(.malformedZip, file: path, "entry '\(name)' has a malformed extra field")
                })
            while extra.remaining >= 4 {
                let id = try extra.u16(), length = Int(try extra.u16())
                let fieldStart = try extra.take(length)
                guard id == 0x0001 else { continue }
                var field = ByteReader(
                    file.bytes, range: fieldStart..<fieldStart + length,
                    endError: {
                        TorchImportError(.malformedZip, file: path, "entry '\(name)' has a short ZIP64 extra field")
                    })
                if uncompressed == 0xFFFF_FFFF { uncompressed = try field.u64() }
                if compressed == 0xFFFF_FFFF { compressed = try field.u64() }
                if localOffset == 0xFFFF_FFFF { localOffset = try field.u64() }
            }
            guard compressed <= UInt64(size), uncompressed <= UInt64(Int.max), localOffset <= UInt64(size) else {
                throw TorchImportError(
                    .truncatedZip, file: path,
                    "entry '\(name)' claims \(compressed) bytes at offset \(localOffset), beyond the file's \(size) bytes"
                )
            }
            index[name] = entries.count
            entries.append(
                Entry(
                    name: name, method: method, flags: flags, compressedSize: Int(compressed),
                    size: Int(uncompressed), localHeaderOffset: Int(localOffset)))
        }
        self.entries = entries
        self.index = index
    }

    func entry(named name: String) -> Entry? { index[name].map { entries[$0] } }

    /// The byte range of `entry`'s data in the file, after checking its local header.
    func dataRange(of entry: Entry) throws -> Range<Int> {
        let path = file.path
        guard entry.flags & 1 == 0, entry.method == 0, entry.compressedSize == entry.size else {
            throw TorchImportError(
                .compressedEntry, file: path,
                "entry '\(entry.name)' is \(entry.flags & 1 != 0 ? "encrypted" : "compressed (method \(entry.method))"); "
                    + "torch.save stores entries uncompressed, so the archive was rewritten by another tool: re-save it with torch.save"
            )
        }
        let truncated = {
            TorchImportError(
                .truncatedZip, file: path,
                "entry '\(entry.name)' extends past the end of the file (\(self.file.count) bytes)")
        }
        var local = ByteReader(file.bytes, range: entry.localHeaderOffset..<file.count, endError: truncated)
        guard try local.u32() == 0x0403_4b50 else {
            throw TorchImportError(
                .malformedZip, file: path,
                "entry '\(entry.name)' has no local header at offset \(entry.localHeaderOffset)")
        }
        _ = try local.take(22)
        let nameLength = Int(try local.u16()), extraLength = Int(try local.u16())
        _ = try local.take(nameLength + extraLength)
        let start = local.position
        _ = try local.take(entry.size)
        return start..<start + entry.size
    }

    /// Offset of the EOCD record: the last signature whose comment length ends exactly at the
    /// file's end and whose directory fits before it.
    private static func findEndRecord(_ file: MappedFile) -> Int? {
        let size = file.count
        guard size >= 22 else { return nil }
        var candidate = size - 22
        let lowest = max(0, size - 22 - 65535)
        while candidate >= lowest {
            if file.bytes.loadUnaligned(fromByteOffset: candidate, as: UInt32.self).littleEndian == 0x0605_4b50 {
                let commentLength = Int(
                    file.bytes.loadUnaligned(fromByteOffset: candidate + 20, as: UInt16.self).littleEndian)
                if candidate + 22 + commentLength == size { return candidate }
            }
            candidate -= 1
        }
        return nil
    }
}
