import Benchmarks
import Distributed
import Model
import Pipeline

/// `vtv doctor`: what each rank sees of the machine and libraries, and a BLAS speed probe.
let doctorCommand = Command(
    name: "doctor",
    summary: "check MPI, HDF5 and OpenBLAS on every rank",
    discussion: """
        Prints, for each rank: rank/size and host, the MPI library, OpenBLAS' threads and core type,
        the HDF5 version, and SGEMM GFLOP/s (512x512 products for about half a second per thread count).
        With --check-mpi every collective is run on known values and any disagreement exits 1.
        """,
    options: [
        .flag("--check-mpi", "all-reduce, gather and broadcast known values and verify them"),
        .value(
            "--blas-threads", "N[,N...]",
            "OpenBLAS thread counts to probe SGEMM with, each 1...\(largestBLASThreads) "
                + "(default: current setting)"),
        .value("--probe-seconds", "S", "seconds per SGEMM probe, more than 0 and at most 600", default: "0.5")
    ],
    distributed: true
) { args in
    let world = Communicator.world
    let seconds = try args.double("--probe-seconds", above: 0, atMost: 600)!
    let settings = Doctor.Settings(
        blasThreads: try args.ints("--blas-threads", in: 1...largestBLASThreads) ?? [BLASRuntime.threads],
        probeSeconds: seconds, checkCollectives: args.flag("--check-mpi"))
    let report = try Doctor.run(settings, world: world)
    if world.isRoot { report.lines.forEach { print($0) } }
    return report.anyCollectiveFailed ? 1 : 0
}
