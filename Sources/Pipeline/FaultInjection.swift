import Distributed
import Foundation

/// Deliberate failures for testing recovery, switched on only by environment variables:
///   VTV_FAULT_KILL=RANK:ITERATION    rank RANK kills itself with SIGKILL after ITERATION iterations
///   VTV_FAULT_SIGNAL=ITERATION       every rank raises SIGTERM on itself after ITERATION iterations
///   VTV_FAULT_SLOW=RANK:MILLISECONDS rank RANK sleeps that long per search sample it evaluates
/// (real signals, so the crash and the signal handling paths are the production ones; a real
/// sleep inside the timed compute, so the search's load balancing sees a slower rank).
public enum FaultInjection {
    public static func afterIteration(_ completed: Int, rank: Int) {
        let environment = ProcessInfo.processInfo.environment
        if let spec = environment["VTV_FAULT_KILL"] {
            let parts = spec.split(separator: ":").compactMap { Int($0) }
            if parts.count == 2, parts[0] == rank, parts[1] == completed { raise(SIGKILL) }
        }
        if let spec = environment["VTV_FAULT_SIGNAL"], Int(spec) == completed {
            raise(SIGTERM)
        }
    }

    /// The extra work of a slowed rank (`VTV_FAULT_SLOW`), or nil on every other rank.
    public static func slowdown(rank: Int) -> ((Int) -> Void)? {
        guard let spec = ProcessInfo.processInfo.environment["VTV_FAULT_SLOW"] else { return nil }
        let parts = spec.split(separator: ":").compactMap { Int($0) }
        guard parts.count == 2, parts[0] == rank, parts[1] > 0 else { return nil }
        return { samples in usleep(UInt32(min(parts[1] * samples, 60_000) * 1000)) }
    }
}
