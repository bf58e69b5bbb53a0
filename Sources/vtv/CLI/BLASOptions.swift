import Model

/// The benchmarks' `--threads N`: sets OpenBLAS' thread count when given (it must be positive).
func applyBLASThreadsOption(_ args: ParsedArguments) throws {
    guard let threads = try args.int("--threads") else { return }
    guard threads > 0 else { throw UsageError("--threads must be positive") }
    BLASRuntime.threads = threads
}
