import Foundation

/// A file written under a temporary name next to its destination and renamed into place when
/// complete, so `destination` only ever holds a whole file: the previous one until `publish()`,
/// the new one after. An error, a signal (`SignalCleanup`) or a crash (the next run's
/// `StaleTemporaries` sweep) leaves nothing behind.
///
/// Temporaries are named `.NAME.vtvtmp-PID-RANDOM@HOST` (NAME cut to 100 characters), hidden, and
/// carry the process and host that own them so that a later run can tell a dead owner's leftovers
/// from a live writer's, also on a shared filesystem written by several nodes.
public final class StagedFile {
    /// The path the file will have once published.
    public let destination: String
    /// Where the content is written meanwhile.
    public let temporary: String
    private var slot: Int?
    private var finished = false

    /// Chooses a temporary in the destination's folder (removing stale ones of dead processes there).
    public init(destination: String) {
        self.destination = destination
        let parts = PathParts(destination)
        StaleTemporaries.sweep(folder: parts.folder)
        let tag = String(UInt32.random(in: 0 ... .max), radix: 16)
        temporary = parts.sibling(
            ".\(parts.name.prefix(100))\(StaleTemporaries.marker)\(getpid())-\(tag)@\(StaleTemporaries.host)")
        slot = TemporaryRegistry.add(temporary)
    }

    /// Renames the temporary into place, or, inside `Publication.together`, queues it to be
    /// renamed with the command's other outputs once all are complete.
    public func publish() throws {
        guard !finished else { return }
        if Publication.defer(self) { return }
        try rename()
    }

    /// Removes the temporary without publishing it.
    public func discard() {
        guard !finished else { return }
        finished = true
        unlink(temporary)
        release()
    }

    deinit { discard() }

    func rename() throws {
        guard !finished else { return }
        guard Glibc.rename(temporary, destination) == 0 else {
            let reason = String(cString: strerror(errno))
            discard()
            throw OutputError.writeFailed(path: destination, reason: reason)
        }
        finished = true
        release()
    }

    private func release() {
        if let slot { TemporaryRegistry.remove(slot) }
        slot = nil
    }

    /// Writes `bytes` to `path` through a temporary and publishes it.
    public static func write<Bytes: Collection>(_ bytes: Bytes, to path: String) throws where Bytes.Element == UInt8 {
        let file = StagedFile(destination: path)
        try file.writeContent(bytes)
        try file.publish()
    }

    /// Writes the temporary's whole content (creating it).
    public func writeContent<Bytes: Collection>(_ bytes: Bytes) throws where Bytes.Element == UInt8 {
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw failure() }
        var failed: OutputError?
        let contiguous = Array(bytes)
        contiguous.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failed = failure()
                    return
                }
                offset += written
            }
        }
        if close(descriptor) != 0 && failed == nil { failed = failure() }
        if let failed {
            discard()
            throw failed
        }
    }

    private func failure() -> OutputError {
        OutputError.writeFailed(path: destination, reason: String(cString: strerror(errno)))
    }
}

/// Groups the outputs of one command: files published inside `together` are renamed into place
/// only when the body returns, all of them one after another, and none if it throws. So a command
/// that fails half-way (a PNG that cannot be written after its HDF5 result) publishes nothing.
public enum Publication {
    private static var queue: [StagedFile]?
    private static let lock = NSLock()

    public static func together<T>(_ body: () throws -> T) throws -> T {
        lock.lock()
        let outermost = queue == nil
        if outermost { queue = [] }
        lock.unlock()
        guard outermost else { return try body() }
        let result: T
        do {
            result = try body()
        } catch {
            let pending = take()
            pending.forEach { $0.discard() }
            throw error
        }
        let pending = take()
        for (index, file) in pending.enumerated() {
            do {
                try file.rename()
            } catch {
                pending[(index + 1)...].forEach { $0.discard() }
                throw error
            }
        }
        return result
    }

    /// Queues `file` when a group is open; false when it should be published at once.
    static func `defer`(_ file: StagedFile) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard queue != nil else { return false }
        queue!.append(file)
        return true
    }

    private static func take() -> [StagedFile] {
        lock.lock()
        defer { lock.unlock() }
        let pending = queue ?? []
        queue = nil
        return pending
    }
}
