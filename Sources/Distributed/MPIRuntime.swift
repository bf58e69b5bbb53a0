import CMPI
import Foundation

/// MPI's process-wide lifecycle: initialised once, finalised once at exit (normal or error exit).
public enum MPIRuntime {
    private static var initialized = false

    /// Initialises MPI unless this process already has, and registers `finalize` to run at exit.
    /// Throws `MPIError` naming the call that failed.
    static func initialize() throws {
        guard !initialized else { return }
        var flag: Int32 = 0
        try Communicator.check(MPI_Initialized(&flag), "MPI_Initialized")
        if flag == 0 {
            try Communicator.check(MPI_Init(nil, nil), "MPI_Init")
        }
        initialized = true
        atexit { MPIRuntime.finalize() }
    }

    /// Finalises MPI if it was started and is not yet finalised. Called automatically at exit.
    public static func finalize() {
        var started: Int32 = 0, finished: Int32 = 0
        guard reportAtExit(MPI_Initialized(&started), "MPI_Initialized"),
            reportAtExit(MPI_Finalized(&finished), "MPI_Finalized"), started != 0 && finished == 0
        else { return }
        NodeSharedMemory.releaseAll()
        reportAtExit(MPI_Finalize(), "MPI_Finalize")
    }

    /// At exit there is no caller left to throw to: a failure is only told. Returns whether `call` succeeded.
    @discardableResult
    static func reportAtExit(_ code: Int32, _ call: String) -> Bool {
        guard code != vtv_mpi_success() else { return true }
        FileHandle.standardError.write(Data("vtv: \(call) failed at exit (\(code)): \(errorString(code))\n".utf8))
        return false
    }

    /// The MPI library's version string (e.g. "Open MPI v4.1.4, ..."); callable before MPI starts.
    public static func libraryVersion() throws -> String {
        var buffer = [CChar](repeating: 0, count: Int(vtv_mpi_max_library_version_string()))
        var length: Int32 = 0
        try Communicator.check(MPI_Get_library_version(&buffer, &length), "MPI_Get_library_version")
        return String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The name of the host this rank runs on; starts MPI if no one has.
    public static func processorName() throws -> String {
        try Communicator.start()
        var buffer = [CChar](repeating: 0, count: Int(vtv_mpi_max_processor_name()))
        var length: Int32 = 0
        try Communicator.check(MPI_Get_processor_name(&buffer, &length), "MPI_Get_processor_name")
        return String(cString: buffer)
    }

    static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(vtv_mpi_max_error_string()))
        var length: Int32 = 0
        _ = MPI_Error_string(code, &buffer, &length)
        return String(cString: buffer)
    }
}
