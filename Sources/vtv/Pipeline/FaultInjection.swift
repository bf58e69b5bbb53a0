import Distributed
import Foundation

/// Deliberate failures for testing recovery, switched on only by environment variables:
///   VTV_FAULT_KILL=RANK:ITERATION    rank RANK kills itself with SIGKILL after ITERATION iterations
///   VTV_FAULT_SIGNAL=ITERATION       every rank raises SIGTERM on itself after ITERATION iterations
/// (real signals, so the crash and the signal handling paths are the production ones).
enum FaultInjection {
    static func afterIteration(_ completed: Int, rank: Int) {
        let environment = ProcessInfo.processInfo.environment
        if let spec = environment["VTV_FAULT_KILL"] {
            let parts = spec.split(separator: ":").compactMap { Int($0) }
            if parts.count == 2, parts[0] == rank, parts[1] == completed { raise(SIGKILL) }
        }
        if let spec = environment["VTV_FAULT_SIGNAL"], Int(spec) == completed {
            raise(SIGTERM)
        }
    }
}
