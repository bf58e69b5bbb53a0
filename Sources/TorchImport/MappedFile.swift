#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes of one whole file, memory-mapped read-only exactly once.
///
/// Everything in this module reads through one `MappedFile`: the zip directory, `data.pkl`
/// and the storages are views into the mapping, so opening a 1.4 GB checkpoint touches only
/// the pages it parses, and a tensor's bytes are read (and copied) only when materialised.
/// The mapping lives as long as any tensor that refers to it.
///
/// If another process truncates the file while it is mapped, reads past the new end fault
/// (SIGBUS); that is the price of not copying, as for every mmap-based reader.
final class MappedFile: @unchecked Sendable {
    /// The path used in error messages (for in-memory buffers, a caller-chosen name).
    let path: String
    /// bytes: [file size] in file order.
    let bytes: UnsafeRawBufferPointer
    /// Whether `bytes` is a read-only file mapping (whose pages may be dropped and re-read).
    private let isFileMapping: Bool
    private let release: () -> Void

    /// Maps the file at `path` read-only.
    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw TorchImportError(.cannotOpen, file: path, String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw TorchImportError(.cannotOpen, file: path, "fstat: " + String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw TorchImportError(.cannotOpen, file: path, "not a regular file")
        }
        let size = Int(info.st_size)
        self.path = path
        if size == 0 {
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            isFileMapping = false
            release = {}
            return
        }
        guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else {
            throw TorchImportError(.cannotOpen, file: path, "mmap: " + String(cString: strerror(errno)))
        }
        bytes = UnsafeRawBufferPointer(start: base, count: size)
        isFileMapping = true
        release = { munmap(base, size) }
    }

    /// Wraps a copy of `contents` (tests and fuzzing read checkpoints from memory).
    init(contents: [UInt8], name: String) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(contents.count, 1), alignment: 64)
        buffer.copyBytes(from: contents)
        path = name
        bytes = UnsafeRawBufferPointer(start: buffer.baseAddress, count: contents.count)
        isFileMapping = false
        release = { buffer.deallocate() }
    }

    deinit { release() }

    var count: Int { bytes.count }

    /// Tells the kernel that `range` will be read soon and in order (storage materialisation).
    func willRead(_ range: Range<Int>) {
        #if canImport(Glibc)
            guard let base = bytes.baseAddress, !range.isEmpty else { return }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let start = range.lowerBound / page * page
            _ = madvise(UnsafeMutableRawPointer(mutating: base + start), range.upperBound - start, MADV_WILLNEED)
        #endif
    }

    /// Tells the kernel that `range` has been read and copied out, so its pages leave this
    /// process's resident memory (they stay in the page cache). A later read of them simply
    /// faults them back in from the file, which is why only a read-only file mapping is released
    /// (dropping anonymous memory, as the in-memory form holds, would zero it). Only pages that
    /// lie wholly inside `range` are dropped.
    func doneReading(_ range: Range<Int>) {
        #if canImport(Glibc)
            guard isFileMapping, let base = bytes.baseAddress else { return }
            let page = Int(sysconf(Int32(_SC_PAGESIZE)))
            let start = (max(range.lowerBound, 0) + page - 1) / page * page
            let end = min(range.upperBound, count) / page * page
            guard start < end else { return }
            _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
        #endif
    }
}

/// A bounds-checked little-endian cursor over a byte range of a `MappedFile`.
///
/// Running off the end throws `endError` so that each format reports its own kind of
/// truncation (a truncated zip, a truncated legacy file, a pickle that stops early).
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    /// Reads are allowed in `position ..< end`.
    var position: Int
    let end: Int
    let endError: () -> TorchImportError

    init(_ bytes: UnsafeRawBufferPointer, range: Range<Int>, endError: @escaping () -> TorchImportError) {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "reader range outside the mapping")
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
        self.endError = endError
    }

    var remaining: Int { end - position }

    /// Checks that `n` more bytes exist and returns the offset of the first.
    @inline(__always)
    mutating func take(_ n: Int) throws -> Int {
        guard n >= 0, n <= end - position else { throw endError() }
        let at = position
        position += n
        return at
    }

    mutating func u8() throws -> UInt8 { bytes[try take(1)] }
    mutating func u16() throws -> UInt16 {
        UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(2), as: UInt16.self))
    }
    mutating func u32() throws -> UInt32 {
        UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(4), as: UInt32.self))
    }
    mutating func u64() throws -> UInt64 {
        UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: try take(8), as: UInt64.self))
    }

    /// The next `n` bytes as a view into the mapping (no copy).
    mutating func slice(_ n: Int) throws -> UnsafeRawBufferPointer {
        let at = try take(n)
        return UnsafeRawBufferPointer(rebasing: bytes[at..<at + n])
    }

    /// Bytes up to (not including) the next newline, which is consumed; for text pickle opcodes.
    mutating func line() throws -> UnsafeRawBufferPointer {
        var i = position
        while i < end, bytes[i] != 0x0A { i += 1 }
        guard i < end else { throw endError() }
        let text = UnsafeRawBufferPointer(rebasing: bytes[position..<i])
        position = i + 1
        return text
    }
}
