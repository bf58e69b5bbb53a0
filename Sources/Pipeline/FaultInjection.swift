import Distributed
import Foundation
import Search

/// Deliberate failures for testing recovery, in debug builds only (the tests run the debug `vtv`;
/// a release build has no hooks and ignores these variables), switched on by environment variables:
///   VTV_FAULT_KILL=RANK:ITERATION    rank RANK kills itself with SIGKILL after ITERATION iterations
///   VTV_FAULT_KILL_STAMP=PATH        with VTV_FAULT_KILL: the killed rank first writes the time of its
///                                    death (seconds since 1970, text) to PATH, so a test can time
///                                    the job's end from the kill rather than from its start
///   VTV_FAULT_SIGNAL=ITERATION       every rank raises SIGTERM on itself after ITERATION iterations
///   VTV_FAULT_SLOW=RANK:MILLISECONDS rank RANK sleeps that long per search sample it evaluates
/// (real signals, so the crash and the signal handling paths are the production ones; a real
/// sleep inside the timed compute, so the search's load balancing sees a slower rank). Ranks are
/// ranks of the job (world ranks), wherever the search runs.
enum FaultInjection {
    /// Sets the hooks of `search` that the variables ask for (none in a release build).
    static func install(in search: ReinforceSearch) {
        #if DEBUG
            let rank = MPIJob.launchRank
            search.afterEvaluating = slowdown(rank: rank)
            if ProcessInfo.processInfo.environment["VTV_FAULT_KILL"] != nil
                || ProcessInfo.processInfo.environment["VTV_FAULT_SIGNAL"] != nil
            {
                search.afterIteration = { afterIteration($0, rank: rank) }
            }
        #endif
    }

    #if DEBUG
        private static func afterIteration(_ completed: Int, rank: Int) {
            let environment = ProcessInfo.processInfo.environment
            if let spec = environment["VTV_FAULT_KILL"] {
                let parts = spec.split(separator: ":").compactMap { Int($0) }
                if parts.count == 2, parts[0] == rank, parts[1] == completed {
                    if let stamp = environment["VTV_FAULT_KILL_STAMP"] {
                        try? "\(Date().timeIntervalSince1970)".write(toFile: stamp, atomically: true, encoding: .utf8)
                    }
                    raise(SIGKILL)
                }
            }
            if let spec = environment["VTV_FAULT_SIGNAL"], Int(spec) == completed {
                raise(SIGTERM)
            }
        }

        /// The extra work of a slowed rank (`VTV_FAULT_SLOW`), or nil on every other rank.
        private static func slowdown(rank: Int) -> ((Int) -> Void)? {
            guard let spec = ProcessInfo.processInfo.environment["VTV_FAULT_SLOW"] else { return nil }
            let parts = spec.split(separator: ":").compactMap { Int($0) }
            guard parts.count == 2, parts[0] == rank, parts[1] > 0 else { return nil }
            return { samples in usleep(UInt32(min(parts[1] * samples, 60_000) * 1000)) }
        }
    #endif
}
