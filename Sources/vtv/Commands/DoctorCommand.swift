import Distributed
import Foundation
import Model
import Pipeline
import Storage

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
    let originalThreads = BLASRuntime.threads
    let threadCounts = try args.ints("--blas-threads", in: 1...largestBLASThreads) ?? [originalThreads]

    var report = """
        rank \(world.rank)/\(world.size) on \(MPIRuntime.processorName) (pid \(getpid()))
          MPI:      \(MPIRuntime.libraryVersion.split(separator: "\n").first.map(String.init) ?? "?")
          OpenBLAS: \(originalThreads) thread(s), core \(BLASRuntime.coreName); \(BLASRuntime.configuration)
          Linears:  packed GEMM, \(PackedGEMMRuntime.tile) tiles; bf16 (AVX512_BF16): \(BF16Runtime.isSupported ? "available" : "not on this CPU")
          HDF5:     \(hdf5LibraryVersion)
        """
    // Probe in lock step so ranks on one host compete exactly as they would in a real run.
    for threads in threadCounts {
        try world.barrier()
        BLASRuntime.threads = threads
        let gflops = BLASRuntime.sgemmProbe(size: 512, seconds: seconds)
        report += String(format: "\n  SGEMM:    %.1f GFLOP/s with %d BLAS thread(s)", gflops, threads)
    }
    BLASRuntime.threads = originalThreads

    // Gather every rank's report to rank 0 so the output comes out in rank order.
    if let all = try world.gather(Array(report.utf8) + [0]) {
        for text in all.split(separator: 0) { print(String(decoding: text, as: UTF8.self)) }
    }

    if args.flag("--check-mpi") {
        let problems = try checkCollectives(world)
        if world.isRoot {
            if problems.isEmpty {
                print("MPI check: every collective agreed on \(world.size) rank(s)")
            } else {
                print("MPI check FAILED:\n  " + problems.joined(separator: "\n  "))
            }
        }
        let anyFailed = try world.allreduce(problems.isEmpty ? 0 : 1, .max)
        return anyFailed == 0 ? 0 : 1
    }
    return 0
}

/// Runs each collective on values every rank can predict; returns descriptions of mismatches.
func checkCollectives(_ world: Communicator) throws -> [String] {
    let n = world.size, r = world.rank
    var problems: [String] = []
    func expect(_ ok: Bool, _ what: String) { if !ok { problems.append("rank \(r): \(what)") } }

    let sum = try world.allreduce(Double(r + 1), .sum)
    expect(sum == Double(n * (n + 1) / 2), "allreduce sum of rank+1 gave \(sum)")
    let maxRank = try world.allreduce(Int32(r), .max)
    expect(maxRank == Int32(n - 1), "allreduce max of rank gave \(maxRank)")
    let minRank = try world.allreduce(Int64(r), .min)
    expect(minRank == 0, "allreduce min of rank gave \(minRank)")
    let floats = try world.allreduced([Float](repeating: 0.5, count: 1000), .sum)
    expect(floats.allSatisfy { $0 == 0.5 * Float(n) }, "allreduce of 1000 floats")
    let gathered = try world.allgather(Int32(r))
    expect(gathered == (0..<n).map(Int32.init), "allgather of ranks gave \(gathered)")
    var message = world.isRoot ? [Double](arrayLiteral: 3.25, -1, 1e300) : []
    try world.broadcast(&message)
    expect(message == [3.25, -1, 1e300], "broadcast gave \(message)")
    return problems
}
