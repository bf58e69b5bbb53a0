import Foundation

/// The temporaries this process has open, kept where a signal handler can reach them: a fixed
/// table of C strings, so that SIGTERM, SIGINT or SIGHUP can unlink every one (`unlink` is
/// async-signal-safe; nothing here allocates in the handler) before the process dies of the signal.
enum TemporaryRegistry {
    static let capacity = 256
    private static let slots: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?> = {
        let table = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: capacity)
        table.initialize(repeating: nil, count: capacity)
        return table
    }()
    private static let lock = NSLock()

    /// Registers `path`; returns its slot for `remove`, or nil when the table is full (the
    /// temporary is then only removed on orderly exits, and by the next run's sweep).
    static func add(_ path: String) -> Int? {
        lock.lock()
        defer { lock.unlock() }
        for slot in 0..<capacity where slots[slot] == nil {
            slots[slot] = strdup(path)
            return slot
        }
        return nil
    }

    static func remove(_ slot: Int) {
        lock.lock()
        defer { lock.unlock() }
        let path = slots[slot]
        slots[slot] = nil
        free(path)
    }

    /// Unlinks every registered temporary. Called from signal handlers: no locks, no allocation.
    static func unlinkAll() {
        for slot in 0..<capacity {
            if let path = slots[slot] { unlink(path) }
        }
    }
}

/// Makes SIGTERM, SIGINT and SIGHUP remove this process's temporaries before it ends, so a stopped
/// command leaves nothing half-written behind. Commands with a graceful stop of their own (the
/// search's checkpoint) install their handler afterwards and clean up on their normal path.
public enum SignalCleanup {
    public static func install() {
        for signalNumber in [SIGTERM, SIGINT, SIGHUP] {
            signal(signalNumber) { received in
                TemporaryRegistry.unlinkAll()
                signal(received, SIG_DFL)
                raise(received)
            }
        }
    }
}
