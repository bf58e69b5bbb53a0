import Foundation

/// What the operating system reports about this process, for the benchmarks' reports.
public enum ProcessResources {
    /// The process's peak resident set size so far, in MiB (Linux reports ru_maxrss in KiB).
    public static func peakResidentMiB() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    /// Seconds since this process started: /proc/uptime less the start time in /proc/self/stat (both
    /// count from boot; a re-executed process keeps its start). 0 where /proc is not Linux's.
    public static func secondsSinceStart() -> Double {
        guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
            let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
            let up = uptime.split(separator: " ").first.flatMap({ Double($0) }),
            let close = stat.lastIndex(of: ")")
        else { return 0 }
        // After the parenthesised command name come fields 3, 4, ...; the start time is field 22, in clock ticks.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]) else { return 0 }
        return up - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
