import CHDF5
import Foundation

/// A checksum of every byte of a file vtv wrote, kept in the file's HDF5 user block (the first 512
/// bytes, which HDF5 leaves to applications; h5py and every HDF5 reader skip it) and checked
/// before HDF5 parses anything. HDF5 1.10 crashes on some damaged metadata instead of reporting
/// it, so damage must be caught before HDF5 sees the file; this also catches truncation.
///
/// Layout of the user block: the 8 bytes `VTVSUM01`, the length of the file after the block
/// (uint64, little-endian), zlib's CRC-32 of those bytes (uint32, little-endian), zeros to 512.
/// In Python: `zlib.crc32(data[512:])`. A file without the marker (an older file, one from
/// h5py) is read unverified; one whose bytes changed after vtv wrote it (damage, or an edit by
/// another program) is refused.
enum FileChecksum {
    static let blockSize = 512
    static let marker = Array("VTVSUM01".utf8)

    /// Writes the checksum of the closed file at `path` into its user block.
    static func stamp(_ path: String) throws {
        let descriptor = open(path, O_RDWR | O_CLOEXEC)
        guard descriptor >= 0 else { throw failure(path) }
        defer { close(descriptor) }
        let (length, crc) = try checksum(descriptor, path: path)
        var block = [UInt8](repeating: 0, count: 20)
        block.replaceSubrange(0..<8, with: marker)
        withUnsafeBytes(of: UInt64(length).littleEndian) { block.replaceSubrange(8..<16, with: $0) }
        withUnsafeBytes(of: crc.littleEndian) { block.replaceSubrange(16..<20, with: $0) }
        guard pwrite(descriptor, block, block.count, 0) == block.count else { throw failure(path) }
    }

    /// Whether the file at `path` carries a checksum.
    static func isStamped(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var block = [UInt8](repeating: 0, count: 8)
        return pread(descriptor, &block, 8, 0) == 8 && block == marker
    }

    /// Checks the file at `path` against the checksum in its user block, if it has one.
    static func verify(_ path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        // A writer (HDF5, h5py in mode 'r+' or 'a') holds an exclusive lock while its bytes are in
        // flux: that is "locked", not damage. HDF5 takes the same kind of lock (flock).
        if flock(descriptor, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK {
            throw HDF5Error(.locked, file: path)
        }
        var block = [UInt8](repeating: 0, count: 20)
        guard pread(descriptor, &block, block.count, 0) == block.count else { return }
        // A marker off by a byte or three is a damaged vtv file, not a foreign one (whose first
        // bytes are HDF5's signature or zeros, eight bytes away from it).
        let differing = zip(block[0..<8], marker).filter { $0 != $1 }.count
        if (1...3).contains(differing) {
            throw HDF5Error(.corrupted("its checksum header is damaged"), file: path)
        }
        guard differing == 0 else { return }
        let storedLength = block[8..<16].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        let storedCRC = block[16..<20].reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let (length, crc) = try checksum(descriptor, path: path)
        guard UInt64(length) == storedLength else {
            throw HDF5Error(
                .corrupted(
                    "it has \(length) bytes after its header where vtv wrote \(storedLength): truncated or extended"),
                file: path)
        }
        guard crc == storedCRC else {
            throw HDF5Error(
                .corrupted(
                    "its bytes changed after vtv wrote it (the file checksum fails): damage, "
                        + "or an edit by another program"), file: path)
        }
    }

    /// The length and CRC-32 of everything after the user block.
    private static func checksum(_ descriptor: Int32, path: String) throws -> (Int, UInt32) {
        var buffer = [UInt8](repeating: 0, count: 4 << 20)
        var crc: UInt32 = 0, offset = blockSize, length = 0
        while true {
            let count = buffer.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
            if count < 0 {
                if errno == EINTR { continue }
                throw failure(path)
            }
            if count == 0 { break }
            crc = buffer.withUnsafeBufferPointer { vtv_crc32(crc, $0.baseAddress, count) }
            offset += count
            length += count
        }
        return (length, crc)
    }

    private static func failure(_ path: String) -> HDF5Error {
        HDF5Error(.writeFailed(String(cString: strerror(errno))), file: path)
    }
}
