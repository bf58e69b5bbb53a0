import Foundation

/// CPU time this process has used (user + system, all threads; getrusage RUSAGE_SELF), in seconds:
/// the search's compute counted in core-seconds, which a loaded, shared machine does not inflate as
/// it does wall time.
public enum ProcessCPUTime {
    public static func seconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func value(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return value(usage.ru_utime) + value(usage.ru_stime)
    }
}
