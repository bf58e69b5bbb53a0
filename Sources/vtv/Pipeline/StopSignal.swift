import Foundation

/// Set from a signal handler when SIGTERM or SIGINT arrives; long commands poll it at safe
/// points (between iterations), write a checkpoint, and exit.
private var stopSignalReceived: sig_atomic_t = 0

enum StopSignal {
    /// Installs handlers for SIGTERM and SIGINT that only set the flag.
    static func install() {
        signal(SIGTERM) { _ in stopSignalReceived = 1 }
        signal(SIGINT) { _ in stopSignalReceived = 1 }
    }

    static var received: Bool { stopSignalReceived != 0 }
}
