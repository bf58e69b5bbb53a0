import CMPI
import Foundation

/// MPI's process-wide lifecycle: initialised once, finalised once at exit (normal or error exit).
public enum MPIRuntime {
    private static var initialized = false

    static func initialize() {
        guard !initialized else { return }
        initialized = true
        var flag: Int32 = 0
        _ = MPI_Initialized(&flag)
        if flag == 0 {
            let code = MPI_Init(nil, nil)
            if code != vtv_mpi_success() {
                FileHandle.standardError.write(Data("vtv: MPI_Init failed (\(code))\n".utf8))
                exit(1)
            }
        }
        atexit { MPIRuntime.finalize() }
    }

    /// Finalises MPI if it was started and is not yet finalised. Called automatically at exit.
    public static func finalize() {
        var started: Int32 = 0, finished: Int32 = 0
        _ = MPI_Initialized(&started)
        _ = MPI_Finalized(&finished)
        if started != 0 && finished == 0 {
            NodeSharedMemory.releaseAll()
            _ = MPI_Finalize()
        }
    }

    /// The MPI library's version string (e.g. "Open MPI v4.1.4, ...").
    public static var libraryVersion: String {
        var buffer = [CChar](repeating: 0, count: Int(vtv_mpi_max_library_version_string()))
        var length: Int32 = 0
        _ = MPI_Get_library_version(&buffer, &length)
        return String(cString: buffer).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The name of the host this rank runs on.
    public static var processorName: String {
        _ = Communicator.world
        var buffer = [CChar](repeating: 0, count: Int(vtv_mpi_max_processor_name()))
        var length: Int32 = 0
        _ = MPI_Get_processor_name(&buffer, &length)
        return String(cString: buffer)
    }

    static func errorString(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: Int(vtv_mpi_max_error_string()))
        var length: Int32 = 0
        _ = MPI_Error_string(code, &buffer, &length)
        return String(cString: buffer)
    }
}
