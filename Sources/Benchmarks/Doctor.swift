import Distributed
import Foundation
import Model
import Storage

/// What each rank of a job sees of the machine and the libraries (MPI, OpenBLAS, HDF5), an SGEMM
/// speed probe per BLAS thread count, and optionally a check of every collective: `vtv doctor`'s work.
public enum Doctor {
    public struct Settings {
        /// OpenBLAS thread counts to probe SGEMM with, in turn (OpenBLAS' setting is restored after).
        public var blasThreads: [Int]
        /// Seconds per SGEMM probe (512x512 products).
        public var probeSeconds: Double
        /// Whether to run `CollectiveCheck`.
        public var checkCollectives: Bool

        public init(blasThreads: [Int], probeSeconds: Double, checkCollectives: Bool) {
            self.blasThreads = blasThreads
            self.probeSeconds = probeSeconds
            self.checkCollectives = checkCollectives
        }
    }

    public struct Report {
        public let ranks: Int
        /// Every rank's description, in rank order, on rank 0; empty on the other ranks.
        public let rankDescriptions: [String]
        /// This rank's collective mismatches; nil when the collectives were not checked.
        public let collectiveProblems: [String]?
        /// Whether any rank found a mismatch (agreed by every rank).
        public let anyCollectiveFailed: Bool

        /// What `vtv doctor` prints on rank 0: each rank's description, then the collectives' verdict
        /// with rank 0's own mismatches.
        public var lines: [String] {
            guard let problems = collectiveProblems else { return rankDescriptions }
            return rankDescriptions + [
                problems.isEmpty
                    ? "MPI check: every collective agreed on \(ranks) rank(s)"
                    : "MPI check FAILED:\n  " + problems.joined(separator: "\n  ")
            ]
        }
    }

    /// Describes this rank, probes SGEMM in lock step with the other ranks (so ranks on one host compete
    /// exactly as they would in a real run), gathers the descriptions on rank 0 and, if asked, checks
    /// the collectives. Collective: every rank of `world` calls it.
    public static func run(_ settings: Settings, world: Communicator) throws -> Report {
        let originalThreads = BLASRuntime.threads
        let mpiVersion = try MPIRuntime.libraryVersion().split(separator: "\n").first.map(String.init) ?? "?"
        let bf16 = BF16Runtime.isSupported ? "available" : "not on this CPU"
        var description = """
            rank \(world.rank)/\(world.size) on \(try MPIRuntime.processorName()) (pid \(getpid()))
              MPI:      \(mpiVersion)
              OpenBLAS: \(originalThreads) thread(s), core \(BLASRuntime.coreName); \(BLASRuntime.configuration)
              Linears:  packed GEMM, \(PackedGEMMRuntime.tile) tiles; bf16 (AVX512_BF16): \(bf16)
              HDF5:     \(hdf5LibraryVersion)
            """
        for threads in settings.blasThreads {
            try world.barrier()
            BLASRuntime.threads = threads
            let gflops = BLASRuntime.sgemmProbe(size: 512, seconds: settings.probeSeconds)
            description += String(format: "\n  SGEMM:    %.1f GFLOP/s with %d BLAS thread(s)", gflops, threads)
        }
        BLASRuntime.threads = originalThreads

        let descriptions =
            try world.gather(Array(description.utf8) + [0]).map { all in
                all.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            } ?? []
        guard settings.checkCollectives else {
            return Report(
                ranks: world.size, rankDescriptions: descriptions, collectiveProblems: nil, anyCollectiveFailed: false)
        }
        let problems = try CollectiveCheck.run(world)
        let anyFailed = try world.allreduce(problems.isEmpty ? 0 : 1, .max)
        return Report(
            ranks: world.size, rankDescriptions: descriptions, collectiveProblems: problems,
            anyCollectiveFailed: anyFailed != 0)
    }
}
