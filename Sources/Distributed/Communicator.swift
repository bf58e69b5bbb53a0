import CMPI
import Foundation

/// A failed MPI call, with the library's own error string.
public struct MPIError: Error, CustomStringConvertible {
    public let call: String
    public let code: Int32
    public let message: String
    public var description: String { "MPI call \(call) failed (\(code)): \(message)" }
}

/// Reduction operations for `allreduce`.
public enum ReduceOperation: Sendable {
    case sum, max, min

    var handle: MPI_Op {
        switch self {
        case .sum: return vtv_mpi_op_sum()
        case .max: return vtv_mpi_op_max()
        case .min: return vtv_mpi_op_min()
        }
    }
}

/// The world of all ranks of this job. MPI is initialised on first use and finalised at exit;
/// a process started without `mpirun` is a world of size 1 and every collective still works.
public final class Communicator {
    /// The job's world communicator (MPI_COMM_WORLD), started on first use. Starting can fail (no
    /// MPI runtime, a broken launch): a program that must report that calls `start()` first, as the
    /// vtv executable does before a distributed command; here a failure is a caller's bug.
    public static var world: Communicator {
        do {
            return try start()
        } catch {
            preconditionFailure("\(error) (call Communicator.start() first to handle it)")
        }
    }

    private static var started: Communicator?
    private static let startLock = NSLock()

    /// Initialises MPI if no one has, and returns the world communicator; idempotent and safe to
    /// call from any thread. Throws `MPIError` naming the MPI call that failed.
    @discardableResult
    public static func start() throws -> Communicator {
        startLock.lock()
        defer { startLock.unlock() }
        if let started { return started }
        try MPIRuntime.initialize()
        let world = try Communicator(handle: vtv_mpi_comm_world())
        started = world
        return world
    }

    let handle: MPI_Comm
    /// This process's rank, 0 ..< size.
    public let rank: Int
    /// Number of ranks in the job.
    public let size: Int
    /// Whether this is rank 0, the rank that writes files and prints.
    public var isRoot: Bool { rank == 0 }

    /// Wraps a communicator this module made (the world, or a node's ranks split from it), errors
    /// returned; throws `MPIError` naming the call if MPI refuses the error handler or the rank query.
    init(handle: MPI_Comm) throws {
        self.handle = handle
        var r: Int32 = 0, s: Int32 = 1
        try Self.check(MPI_Comm_set_errhandler(handle, vtv_mpi_errors_return()), "MPI_Comm_set_errhandler")
        try Self.check(MPI_Comm_rank(handle, &r), "MPI_Comm_rank")
        try Self.check(MPI_Comm_size(handle, &s), "MPI_Comm_size")
        rank = Int(r)
        size = Int(s)
    }

    /// The ranks of this communicator that pass the same `color`, ranked by `key` (ties by rank here):
    /// `MPI_Comm_split`, a collective every rank of this communicator must call. `vtv sweep` splits
    /// the world into groups that each run one search. The new communicator lives until the job
    /// ends (freeing one is collective, and a job makes only a few).
    public func split(color: Int, key: Int) throws -> Communicator {
        guard color >= 0, color <= Int(Int32.max), key >= 0, key <= Int(Int32.max) else {
            throw MPIError(
                call: "MPI_Comm_split", code: -1, message: "color \(color) and key \(key) must lie in 0...\(Int32.max)")
        }
        var group: MPI_Comm? = vtv_mpi_comm_null()
        try check(MPI_Comm_split(handle, Int32(color), Int32(key), &group), "MPI_Comm_split")
        guard let group else {
            throw MPIError(call: "MPI_Comm_split", code: -1, message: "no communicator came back")
        }
        return try Communicator(handle: group)
    }

    /// Blocks until every rank has reached this call.
    public func barrier() throws {
        try check(MPI_Barrier(handle), "MPI_Barrier")
    }

    /// This machine's host name (gethostname; no name service lookup).
    static var hostName: String {
        var buffer = [CChar](repeating: 0, count: 256)
        return gethostname(&buffer, buffer.count - 1) == 0 ? String(cString: buffer) : "unknown host"
    }

    /// Prints `message` to stderr, naming this rank and its host, and asks MPI to end every rank of
    /// the job with `code` (MPI_Abort). Use when one rank fails where the others may be waiting in a
    /// collective. In a job of one rank, or if MPI cannot abort, it returns: whether to exit, and
    /// how, is the calling program's decision.
    public func abort(_ message: String, code: Int32 = 1) {
        // The host too: on a cluster a path that one node sees and another does not (a node-local
        // /tmp, an unmounted share) fails on that node only.
        FileHandle.standardError.write(Data("vtv (rank \(rank)/\(size) on \(Self.hostName)): \(message)\n".utf8))
        if size > 1 {
            _ = MPI_Abort(handle, code)
        }
    }

    // MARK: Collectives over arrays

    /// Replaces `values` on every rank with the elementwise reduction over ranks.
    public func allreduce<T: MPIElement>(_ values: inout [T], _ operation: ReduceOperation = .sum) throws {
        let count = try checkedCount(values.count, "MPI_Allreduce")
        try values.withUnsafeMutableBytes { buffer in
            try check(
                MPI_Allreduce(
                    vtv_mpi_in_place(), buffer.baseAddress, count, T.mpiType,
                    operation.handle, handle), "MPI_Allreduce")
        }
    }

    /// The elementwise reduction of `values` over ranks, leaving `values` unchanged.
    public func allreduced<T: MPIElement>(_ values: [T], _ operation: ReduceOperation = .sum) throws -> [T] {
        var result = values
        try allreduce(&result, operation)
        return result
    }

    /// The reduction of one scalar over ranks.
    public func allreduce<T: MPIElement>(_ value: T, _ operation: ReduceOperation = .sum) throws -> T {
        var values = [value]
        try allreduce(&values, operation)
        return values[0]
    }

    /// Copies `values` from `root` to every rank; on other ranks `values` is resized to match.
    public func broadcast<T: MPIElement>(_ values: inout [T], root: Int = 0) throws {
        var count = Int64(values.count)
        try withUnsafeMutableBytes(of: &count) { buffer in
            try check(MPI_Bcast(buffer.baseAddress, 1, vtv_mpi_int64(), Int32(root), handle), "MPI_Bcast(count)")
        }
        if rank != root { values = [T](repeating: T.mpiZero, count: Int(count)) }
        let n = try checkedCount(Int(count), "MPI_Bcast")
        try values.withUnsafeMutableBytes { buffer in
            try check(MPI_Bcast(buffer.baseAddress, n, T.mpiType, Int32(root), handle), "MPI_Bcast")
        }
    }

    /// Copies a string from `root` to every rank.
    public func broadcast(_ string: String, root: Int = 0) throws -> String {
        var bytes = Array(string.utf8)
        try broadcast(&bytes, root: root)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Every rank's `value`, in rank order, on every rank.
    public func allgather<T: MPIElement>(_ value: T) throws -> [T] {
        try allgather([value])
    }

    /// Every rank's array concatenated in rank order, on every rank; arrays may differ in length.
    public func allgather<T: MPIElement>(_ values: [T]) throws -> [T] {
        let counts = try allgatherCounts(values.count)
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(1, size) { displacements[r] = displacements[r - 1] + counts[r - 1] }
        let total = Int(counts.reduce(0, +))
        var result = [T](repeating: T.mpiZero, count: total)
        let n = try checkedCount(values.count, "MPI_Allgatherv")
        try values.withUnsafeBytes { send in
            try result.withUnsafeMutableBytes { receive in
                try check(
                    MPI_Allgatherv(
                        send.baseAddress, n, T.mpiType, receive.baseAddress, counts,
                        displacements, T.mpiType, handle), "MPI_Allgatherv")
            }
        }
        return result
    }

    /// Every rank's array concatenated in rank order, on `root` only (nil elsewhere).
    public func gather<T: MPIElement>(_ values: [T], root: Int = 0) throws -> [T]? {
        let counts = try allgatherCounts(values.count)
        var displacements = [Int32](repeating: 0, count: size)
        for r in 1..<max(1, size) { displacements[r] = displacements[r - 1] + counts[r - 1] }
        var result = [T](repeating: T.mpiZero, count: rank == root ? Int(counts.reduce(0, +)) : 0)
        let n = try checkedCount(values.count, "MPI_Gatherv")
        try values.withUnsafeBytes { send in
            try result.withUnsafeMutableBytes { receive in
                try check(
                    MPI_Gatherv(
                        send.baseAddress, n, T.mpiType, receive.baseAddress, counts,
                        displacements, T.mpiType, Int32(root), handle), "MPI_Gatherv")
            }
        }
        return rank == root ? result : nil
    }

    /// One scalar per rank, in rank order, on `root` only.
    public func gather<T: MPIElement>(_ value: T, root: Int = 0) throws -> [T]? {
        try gather([value], root: root)
    }

    // MARK: Internals

    private func allgatherCounts(_ count: Int) throws -> [Int32] {
        var mine = try checkedCount(count, "MPI_Allgather(count)")
        var counts = [Int32](repeating: 0, count: size)
        try counts.withUnsafeMutableBytes { receive in
            try check(
                MPI_Allgather(&mine, 1, vtv_mpi_int32(), receive.baseAddress, 1, vtv_mpi_int32(), handle),
                "MPI_Allgather(count)")
        }
        return counts
    }

    private func checkedCount(_ count: Int, _ call: String) throws -> Int32 {
        guard count <= Int(Int32.max) else {
            throw MPIError(
                call: call, code: -1, message: "\(count) elements exceed MPI's 32-bit count; split the message")
        }
        return Int32(count)
    }

    func check(_ code: Int32, _ call: String) throws {
        try Self.check(code, call)
    }

    /// Throws `MPIError` for `call` unless `code` is MPI_SUCCESS.
    static func check(_ code: Int32, _ call: String) throws {
        guard code != vtv_mpi_success() else { return }
        throw MPIError(call: call, code: code, message: MPIRuntime.errorString(code))
    }
}
