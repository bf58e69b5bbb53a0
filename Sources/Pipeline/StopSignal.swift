import Foundation

/// Set from a signal handler when SIGTERM or SIGINT arrives; long commands poll it at safe
/// points (between iterations), write a checkpoint, and exit.
private var stopSignalReceived: sig_atomic_t = 0

public enum StopSignal {
    /// Installs handlers for SIGTERM and SIGINT that only set the flag.
    public static func install() {
        signal(SIGTERM) { _ in stopSignalReceived = 1 }
        signal(SIGINT) { _ in stopSignalReceived = 1 }
    }

    public static var received: Bool { stopSignalReceived != 0 }
}
