import Foundation

/// Temporaries left by processes that died without cleaning up (SIGKILL, a power cut): the first
/// time this process writes into a folder, it removes every temporary there that was made on this
/// host by a process that no longer runs, and says so. Temporaries of other hosts (a shared
/// filesystem) and of live processes are left alone.
enum StaleTemporaries {
    /// What marks a name as a vtv temporary: `.NAME` + marker + `PID-RANDOM@HOST`.
    static let marker = ".vtvtmp-"

    static let host: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "localhost" }
        let name = String(cString: buffer).replacingOccurrences(of: "/", with: "_")
        return String(name.prefix(64))
    }()

    private static var swept: Set<String> = []
    private static let lock = NSLock()

    static func sweep(folder: String) {
        lock.lock()
        let first = swept.insert(folder).inserted
        lock.unlock()
        guard first, let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names {
            guard let owner = owner(of: name), owner.host == host, owner.pid != getpid() else { continue }
            guard kill(owner.pid, 0) != 0 && errno == ESRCH else { continue }
            let path = PathParts(folder + "/x").sibling(name)
            if unlink(path) == 0 {
                FileHandle.standardError.write(
                    Data(
                        "vtv: removed \(path), a temporary left by process \(owner.pid) on this host, which no longer runs\n"
                            .utf8))
            }
        }
    }

    /// The process and host that made the temporary `name`, or nil if `name` is not one.
    static func owner(of name: String) -> (pid: pid_t, host: String)? {
        guard name.hasPrefix("."), let markerRange = name.range(of: marker, options: .backwards),
            let at = name[markerRange.upperBound...].firstIndex(of: "@")
        else { return nil }
        let fields = name[markerRange.upperBound..<at].split(separator: "-")
        guard fields.count == 2, let pid = pid_t(fields[0]), pid > 0, UInt32(fields[1], radix: 16) != nil else {
            return nil
        }
        return (pid, String(name[name.index(after: at)...]))
    }
}
