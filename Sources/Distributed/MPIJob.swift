import Foundation

/// What the launcher (mpirun, srun) told this process through its environment, readable
/// before MPI is initialised (e.g. to keep argument errors quiet on ranks other than 0).
public enum MPIJob {
    private static let environment = ProcessInfo.processInfo.environment

    /// This process's rank as the launcher set it (0 when not launched by mpirun/srun).
    public static var launchRank: Int {
        for key in ["OMPI_COMM_WORLD_RANK", "PMIX_RANK", "PMI_RANK", "SLURM_PROCID"] {
            if let v = environment[key], let r = Int(v) { return r }
        }
        return 0
    }

    /// The job size as the launcher set it (1 when not launched by mpirun/srun).
    public static var launchSize: Int {
        for key in ["OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "SLURM_NTASKS"] {
            if let v = environment[key], let s = Int(v) { return s }
        }
        return 1
    }

    /// Whether this process is one of several ranks.
    public static var isLaunchedWithSeveralRanks: Bool { launchSize > 1 }
}
