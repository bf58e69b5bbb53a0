import Foundation

/// A progress line for long work, printed by rank 0 only (to stderr, so stdout stays clean for
/// results). On a terminal it redraws one line; otherwise it prints a line every `every` percent.
public final class ProgressReporter {
    private let label: String
    private let total: Int
    private let enabled: Bool
    private let isTerminal: Bool
    private var lastPercent = -1
    private let start = Date()

    public init(_ label: String, total: Int, communicator: Communicator? = nil) {
        self.label = label
        self.total = max(total, 1)
        enabled =
            (communicator?.isRoot ?? (MPIJob.launchRank == 0))
            && ProcessInfo.processInfo.environment["VTV_QUIET"] == nil
        isTerminal = isatty(STDERR_FILENO) != 0
    }

    /// Reports that `done` of `total` items are finished.
    public func update(_ done: Int, detail: String = "") {
        guard enabled else { return }
        let percent = min(100, done * 100 / total)
        let step = isTerminal ? 1 : 10
        guard percent / step != lastPercent / step || done >= total && lastPercent < 100 else { return }
        lastPercent = percent
        let elapsed = Date().timeIntervalSince(start)
        let eta = done > 0 ? elapsed / Double(done) * Double(total - done) : 0
        let bar = String(repeating: "#", count: percent / 5).padding(toLength: 20, withPad: ".", startingAt: 0)
        let line =
            "\(label) [\(bar)] \(percent)% \(done)/\(total) "
            + String(format: "%.0fs elapsed, ~%.0fs left", elapsed, eta)
            + (detail.isEmpty ? "" : "  " + detail)
        let text = isTerminal ? "\r" + line + (done >= total ? "\n" : "") : line + "\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
