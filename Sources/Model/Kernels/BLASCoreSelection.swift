import Foundation

/// OpenBLAS picks its kernels from the CPU model when the library loads. Builds older than the CPU
/// (Debian 12 ships 0.3.21) do not know recent Xeons and fall back to the generic "Prescott"
/// SSE3 kernels, 3-6x slower than the AVX2/AVX-512 kernels the CPU can run. The choice can only
/// be changed through OPENBLAS_CORETYPE before the library loads, so `vtv` re-executes itself
/// once with the variable set. An explicit OPENBLAS_CORETYPE (or VTV_KEEP_BLAS_CORE=1) is
/// always respected.
public enum BLASCoreSelection {
    /// The core type to request instead of OpenBLAS' fallback, or nil to keep its choice.
    static func preferredCore(detected: String, cpuFlags: Set<String>) -> String? {
        guard detected.lowercased() == "prescott" else { return nil }
        if cpuFlags.isSuperset(of: ["avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512cd"]) { return "SkylakeX" }
        if cpuFlags.isSuperset(of: ["avx2", "fma"]) { return "Haswell" }
        return nil
    }

    /// CPU feature flags from /proc/cpuinfo (empty where it does not exist).
    static func cpuFlags() -> Set<String> {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
            let colon = line.firstIndex(of: ":")
        else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }

    /// Re-executes the current program with OPENBLAS_CORETYPE set when OpenBLAS fell back to
    /// generic kernels on a CPU that has better ones. Returns normally when nothing needs to change
    /// (or the re-exec fails, in which case the slower kernels are used).
    public static func reexecIfNeeded() {
        let environment = ProcessInfo.processInfo.environment
        if environment["OPENBLAS_CORETYPE"] != nil || environment["VTV_KEEP_BLAS_CORE"] != nil { return }
        guard let core = preferredCore(detected: BLASRuntime.coreName, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv("VTV_KEEP_BLAS_CORE", "1", 1) // never loop, whatever the library then reports
        let arguments = CommandLine.arguments
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        execv("/proc/self/exe", &argv)
        argv.forEach { free($0) }
    }
}
