import Foundation

/// The outcome of running an external command to completion.
public struct CommandResult {
    public let status: Int32
    public let stdout: String
    public let stderr: String
    public var output: String { stdout + stderr }
}

/// Runs `executable` with `arguments`, waiting for it to finish; stdout and stderr are captured.
/// `environment` entries are added to the current environment.
public func runCommand(
    _ executable: String, _ arguments: [String],
    environment: [String: String] = [:],
    currentDirectory: URL? = nil
) throws -> CommandResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    for (k, v) in environment { env[k] = v }
    process.environment = env
    if let currentDirectory { process.currentDirectoryURL = currentDirectory }
    let outPipe = Pipe(), errPipe = Pipe()
    process.standardOutput = outPipe
    process.standardError = errPipe
    try process.run()
    // Read both pipes concurrently so neither can fill up and block the child.
    final class Box: @unchecked Sendable { var data = Data() }
    let errBox = Box()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errBox.data = errPipe.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = outPipe.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    let errData = errBox.data
    process.waitUntilExit()
    return CommandResult(
        status: process.terminationStatus,
        stdout: String(decoding: outData, as: UTF8.self),
        stderr: String(decoding: errData, as: UTF8.self))
}

/// Locates a program on PATH (e.g. `mpirun`, `python3`), or nil.
public func which(_ program: String) -> String? {
    for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
        let candidate = "\(dir)/\(program)"
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
    }
    return nil
}

/// Runs `arguments` under `mpirun -np ranks` (oversubscribed, root allowed), one BLAS thread per rank.
public func runMPI(
    ranks: Int, _ executable: String, _ arguments: [String],
    environment: [String: String] = [:]
) throws -> CommandResult {
    guard let mpirun = which("mpirun") else {
        return CommandResult(status: 127, stdout: "", stderr: "mpirun not found on PATH")
    }
    var env = environment
    env["OMPI_ALLOW_RUN_AS_ROOT"] = "1"
    env["OMPI_ALLOW_RUN_AS_ROOT_CONFIRM"] = "1"
    env["OPENBLAS_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] ?? "1"
    env["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none"
    return try runCommand(
        mpirun,
        [
            "-np", String(ranks), "--oversubscribe", "--bind-to", "none",
            executable
        ] + arguments, environment: env)
}
