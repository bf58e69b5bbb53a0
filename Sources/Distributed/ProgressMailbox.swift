import CMPI
import Foundation

/// Counters that ranks report to one rank without a collective: the groups of a `vtv sweep` run
/// their searches at their own pace, so no point exists where every rank could meet, yet world
/// rank 0 prints one progress line for all of them. Each rank posts (slot, value) pairs with
/// non-blocking sends; the root picks up whatever has arrived whenever it polls, and `close`, a
/// collective, drains the rest so that no send is left pending when the job ends.
public final class ProgressMailbox {
    private let communicator: Communicator
    private let root: Int
    /// The latest value of every slot, as the root knows it (on other ranks: their own posts).
    public private(set) var values: [Int64]
    /// Sends not yet known to be complete, with the buffers they read from.
    private var pending: [(request: MPI_Request?, buffer: UnsafeMutablePointer<Int64>)] = []
    private var sent: Int64 = 0
    private var received: Int64 = 0
    /// A tag no other message of this program uses (collectives have their own context).
    private static let tag: Int32 = 0x7654

    /// `slots` counters, all starting at 0, reported to `root` of `communicator`.
    public init(communicator: Communicator, slots: Int, root: Int = 0) {
        self.communicator = communicator
        self.root = root
        values = [Int64](repeating: 0, count: slots)
    }

    /// Sets `slot` to `value`: directly on the root, by a message from any other rank.
    public func post(slot: Int, value: Int64) throws {
        precondition(values.indices.contains(slot), "slot \(slot) of \(values.count)")
        values[slot] = value
        guard communicator.rank != root else { return }
        let buffer = UnsafeMutablePointer<Int64>.allocate(capacity: 2)
        buffer[0] = Int64(slot)
        buffer[1] = value
        var request: MPI_Request? = vtv_mpi_request_null()
        do {
            try communicator.check(
                MPI_Isend(buffer, 2, vtv_mpi_int64(), Int32(root), Self.tag, communicator.handle, &request),
                "MPI_Isend(progress)")
        } catch {
            buffer.deallocate()
            throw error
        }
        pending.append((request, buffer))
        sent += 1
        try completeFinishedSends()
    }

    /// On the root: takes in every message that has arrived (returns at once when none has).
    public func poll() throws {
        guard communicator.rank == root else { return }
        while true {
            var arrived: Int32 = 0
            var status = MPI_Status()
            try communicator.check(
                MPI_Iprobe(vtv_mpi_any_source(), Self.tag, communicator.handle, &arrived, &status),
                "MPI_Iprobe(progress)")
            guard arrived != 0 else { return }
            try receive(from: status.MPI_SOURCE)
        }
    }

    /// Collective: the root receives every message still under way, and every rank waits for its
    /// sends to complete. Nothing may be posted afterwards.
    public func close() throws {
        let total = try communicator.allreduce(sent, .sum)
        if communicator.rank == root {
            while received < total { try receive(from: vtv_mpi_any_source()) }
        }
        for i in pending.indices {
            try communicator.check(MPI_Wait(&pending[i].request, vtv_mpi_status_ignore()), "MPI_Wait(progress)")
            pending[i].buffer.deallocate()
        }
        pending = []
    }

    private func receive(from source: Int32) throws {
        var message: [Int64] = [0, 0]
        try message.withUnsafeMutableBufferPointer { buffer in
            try communicator.check(
                MPI_Recv(
                    buffer.baseAddress, 2, vtv_mpi_int64(), source, Self.tag, communicator.handle,
                    vtv_mpi_status_ignore()), "MPI_Recv(progress)")
        }
        received += 1
        let slot = Int(message[0])
        // Messages from one rank arrive in the order sent (MPI's non-overtaking rule), so the last wins.
        if values.indices.contains(slot) { values[slot] = message[1] }
    }

    /// Frees the buffers of sends that have completed, so a long run holds only a few.
    private func completeFinishedSends() throws {
        var kept: [(request: MPI_Request?, buffer: UnsafeMutablePointer<Int64>)] = []
        for var entry in pending {
            var done: Int32 = 0
            try communicator.check(MPI_Test(&entry.request, &done, vtv_mpi_status_ignore()), "MPI_Test(progress)")
            if done != 0 { entry.buffer.deallocate() } else { kept.append(entry) }
        }
        pending = kept
    }
}
