import Model
import Pipeline

/// The most OpenBLAS threads an option may ask for. OpenBLAS caps the count at the number it was
/// built for (64 in Debian's build), and its setter takes an Int32, which a larger value would trap.
let largestBLASThreads = 1024

/// The benchmarks' `--threads N`: sets OpenBLAS' thread count when given.
func applyBLASThreadsOption(_ args: ParsedArguments) throws {
    guard let threads = try args.int("--threads", in: 1...largestBLASThreads) else { return }
    BLASRuntime.threads = threads
}
