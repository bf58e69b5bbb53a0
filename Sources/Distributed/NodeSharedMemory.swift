import CMPI
import Foundation

/// Why memory could not be shared between the ranks of a node.
public enum NodeSharedMemoryError: Error, CustomStringConvertible {
    /// The ranks of one node asked for blocks of different sizes: they run different code or
    /// read different inputs, and cannot share.
    case sizesDiffer(smallest: Int, largest: Int)
    /// The node's first rank failed while filling a block; its error, quoted.
    case builderFailed(worldRank: Int, message: String)
    /// The directory behind MPI's shared-memory windows has too little room for the block.
    case backingStoreTooSmall(directory: String, available: Int, needed: Int)

    public var description: String {
        switch self {
        case .sizesDiffer(let smallest, let largest):
            return
                "the ranks of this node asked for shared blocks of different sizes (\(smallest) to \(largest) bytes); "
                + "do they all run the same vtv on the same inputs?"
        case .builderFailed(let rank, let message):
            return "rank \(rank), which builds this node's shared copy, failed: \(message)"
        case .backingStoreTooSmall(let directory, let available, let needed):
            return
                "\(directory) has \(available / (1 << 20)) MiB free, but the shared block needs \(needed / (1 << 20)) MiB"
        }
    }
}

/// The ranks of this job on this node, and read-only memory they share.
///
/// The node's ranks are those `MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)` groups with this one,
/// ordered by world rank; the first of them (node rank 0) builds every shared block. A block is an
/// MPI-3 shared-memory window (`MPI_Win_allocate_shared`): all of it on the builder (size 0 on the
/// others), mapped by every rank of the node (`MPI_Win_shared_query`), so its pages are in memory
/// once per node. Blocks stay mapped until MPI is finalised, since freeing a window is collective.
public final class NodeSharedMemory {
    /// This rank's place among the node's ranks, 0 ..< size; 0 builds.
    public let rank: Int
    /// Ranks on this node.
    public let size: Int
    /// The world rank of the node's first rank, which builds the blocks.
    public let builderWorldRank: Int
    /// Whether this rank builds the node's blocks.
    public var isBuilder: Bool { rank == 0 }

    private let communicator: Communicator
    /// Windows alive until `releaseAll` (MPI_Finalize).
    private static var windows: [MPI_Win] = []
    private static var instance: NodeSharedMemory?

    /// This node's ranks. The first call splits the world, a collective: every rank of the world
    /// must make it, at the same point of the program.
    public static func node() throws -> NodeSharedMemory {
        if let instance { return instance }
        let world = try Communicator.start()
        var handle: MPI_Comm? = vtv_mpi_comm_null()
        try world.check(
            MPI_Comm_split_type(
                world.handle, vtv_mpi_comm_type_shared(), Int32(world.rank),
                vtv_mpi_info_null(), &handle), "MPI_Comm_split_type(MPI_COMM_TYPE_SHARED)")
        let communicator = try Communicator(handle: handle!)
        var first = [world.rank]
        try communicator.broadcast(&first, root: 0)
        let made = NodeSharedMemory(communicator: communicator, builderWorldRank: first[0])
        instance = made
        return made
    }

    private init(communicator: Communicator, builderWorldRank: Int) {
        self.communicator = communicator
        rank = communicator.rank
        size = communicator.size
        self.builderWorldRank = builderWorldRank
    }

    /// Whether any rank of the node passes true (a collective over the node).
    public func any(_ flag: Bool) throws -> Bool {
        try communicator.allreduce(flag ? 1 : 0, .max) == 1
    }

    /// Whether every rank of the node passes the same value (a collective over the node).
    public func agree(_ value: Int) throws -> Bool {
        let extremes = try communicator.allreduced([value, -value], .max)
        return extremes[0] == -extremes[1]
    }

    /// A block of `bytes` bytes shared by the node's ranks, page-aligned (4096): the builder runs `fill`
    /// on it while the other ranks wait (sleeping, so that the builder has the cores to itself),
    /// then every rank returns the same memory, to be read and never written. A collective over
    /// the node: its ranks make the same calls in the same order with the same size.
    ///
    /// Throws `sizesDiffer` on every rank when the sizes disagree, `backingStoreTooSmall` on every
    /// rank when the builder finds too little room behind the window (nothing is allocated then);
    /// when `fill` throws, the builder rethrows its error and the others throw `builderFailed`.
    public func allocate(bytes: Int, fill: (UnsafeMutableRawBufferPointer) throws -> Void) throws
        -> UnsafeRawBufferPointer
    {
        precondition(bytes > 0, "an empty shared block")
        let extremes = try communicator.allreduced([bytes, -bytes], .max)
        guard extremes[0] == -extremes[1] else {
            throw NodeSharedMemoryError.sizesDiffer(smallest: -extremes[1], largest: extremes[0])
        }
        // OpenMPI backs a window with a file that it sizes but does not reserve: writing past what
        // the filesystem holds raises SIGBUS, and a failed creation leaves the other ranks waiting.
        // So the builder checks the room first, and every rank learns the answer.
        let directory = Self.backingDirectory
        var room = [isBuilder ? Self.availableBytes(directory) : 0]
        try communicator.broadcast(&room, root: 0)
        // OpenMPI puts its own bookkeeping first, so a window starts 8-byte aligned: one page more
        // lets every rank start the block at the same page boundary.
        let page = 4096
        let segment = bytes + page
        let needed = segment + (4 << 20) // the window's own bookkeeping, rounded up generously
        if room[0] >= 0 && room[0] < needed {
            throw NodeSharedMemoryError.backingStoreTooSmall(directory: directory, available: room[0], needed: needed)
        }

        var base: UnsafeMutableRawPointer?
        var window: MPI_Win? = vtv_mpi_win_null()
        try communicator.check(
            MPI_Win_allocate_shared(
                isBuilder ? segment : 0, 1, vtv_mpi_info_null(), communicator.handle,
                &base, &window), "MPI_Win_allocate_shared(\(isBuilder ? segment : 0) bytes)")
        let win = window!
        try communicator.check(MPI_Win_set_errhandler(win, vtv_mpi_errors_return()), "MPI_Win_set_errhandler")
        var size: MPI_Aint = 0, unit: Int32 = 0
        var shared: UnsafeMutableRawPointer?
        try communicator.check(MPI_Win_shared_query(win, 0, &size, &unit, &shared), "MPI_Win_shared_query")
        guard Int(size) == segment, let shared else {
            throw MPIError(
                call: "MPI_Win_shared_query", code: -1,
                message: "the builder's segment has \(size) bytes, expected \(segment)")
        }
        // Mappings are page-aligned, so every rank finds the same offset; checked all the same,
        // since ranks reading at different offsets would compute garbage silently.
        let offset = (page - Int(bitPattern: shared) % page) % page
        guard try agree(offset) else {
            throw MPIError(
                call: "MPI_Win_shared_query", code: -1, message: "the ranks map the window at different page offsets")
        }
        let start = shared + offset
        // Plain stores on one rank become visible to plain loads on another through the standard's
        // pattern for shared windows: a passive-target epoch open on every rank, MPI_Win_sync
        // before the builder signals and after the others hear it (the signal is the barrier).
        try communicator.check(MPI_Win_lock_all(vtv_mpi_mode_nocheck(), win), "MPI_Win_lock_all")
        var failure: Error?
        if isBuilder {
            do {
                try fill(UnsafeMutableRawBufferPointer(start: start, count: bytes))
            } catch {
                failure = error
            }
            try communicator.check(MPI_Win_sync(win), "MPI_Win_sync")
        }
        let heard = try hearFromBuilder(isBuilder ? (failure.map { .failure($0) } ?? .success([])) : nil)
        try communicator.check(MPI_Win_sync(win), "MPI_Win_sync")
        if case .failure(let message) = heard {
            try communicator.check(MPI_Win_unlock_all(win), "MPI_Win_unlock_all")
            var doomed: MPI_Win? = win
            try communicator.check(MPI_Win_free(&doomed), "MPI_Win_free")
            throw failure ?? NodeSharedMemoryError.builderFailed(worldRank: builderWorldRank, message: message)
        }
        Self.windows.append(win)
        return UnsafeRawBufferPointer(start: start, count: bytes)
    }

    /// What the builder makes of `produce`, on every rank of the node: the builder runs it and
    /// sends the bytes; the others wait for them (sleeping) and return them. When `produce` throws,
    /// the builder rethrows its error and the others throw `builderFailed` quoting it. A
    /// collective over the node (e.g. so that one rank reads a file the others need a little of).
    public func fromBuilder(_ produce: () throws -> [UInt8]) throws -> [UInt8] {
        var outcome: Result<[UInt8], Error>?
        if isBuilder {
            do { outcome = .success(try produce()) } catch { outcome = .failure(error) }
        }
        switch try hearFromBuilder(outcome) {
        case .success(let bytes):
            return bytes
        case .failure(let message):
            if case .failure(let error)? = outcome { throw error }
            throw NodeSharedMemoryError.builderFailed(worldRank: builderWorldRank, message: message)
        }
    }

    private enum Heard {
        case success([UInt8])
        /// The builder's error, as it describes itself.
        case failure(String)
    }

    /// The builder's outcome (`outcome`, nil on the other ranks) on every rank: its bytes, or its
    /// error's text. The header goes by a non-blocking broadcast polled with growing sleeps: a
    /// blocking one would spin the waiting ranks on the cores the builder needs (several ranks
    /// per core is common on a small node); the builder has finished when the bytes follow.
    private func hearFromBuilder(_ outcome: Result<[UInt8], Error>?) throws -> Heard {
        var bytes: [UInt8] = []
        // [0]: 0 success, 1 failure; [1 ..< 9]: the length of what follows, little-endian.
        var header = [UInt8](repeating: 0, count: 9)
        switch outcome {
        case .success(let payload)?: bytes = payload
        case .failure(let error)?: bytes = Array("\(error)".utf8); header[0] = 1
        case nil: break
        }
        withUnsafeBytes(of: UInt64(bytes.count).littleEndian) { for (i, b) in $0.enumerated() { header[1 + i] = b } }
        try header.withUnsafeMutableBytes { buffer in
            var request: MPI_Request? = vtv_mpi_request_null()
            try communicator.check(
                MPI_Ibcast(
                    buffer.baseAddress, Int32(buffer.count), vtv_mpi_uint8(), 0, communicator.handle,
                    &request), "MPI_Ibcast")
            var done: Int32 = 0
            var pause: UInt32 = 50
            while true {
                try communicator.check(MPI_Test(&request, &done, vtv_mpi_status_ignore()), "MPI_Test")
                if done != 0 { break }
                usleep(pause)
                pause = min(pause * 2, 5000)
            }
        }
        var length: UInt64 = 0
        withUnsafeMutableBytes(of: &length) { for i in 0..<8 { $0[i] = header[1 + i] } }
        if Int(UInt64(littleEndian: length)) > 0 { try communicator.broadcast(&bytes, root: 0) }
        return header[0] == 0 ? .success(bytes) : .failure(String(decoding: bytes, as: UTF8.self))
    }

    /// Where OpenMPI 4 puts the files behind shared-memory windows (its `osc_sm_backing_directory`,
    /// /dev/shm unless set in the environment).
    static var backingDirectory: String {
        ProcessInfo.processInfo.environment["OMPI_MCA_osc_sm_backing_directory"] ?? "/dev/shm"
    }

    /// Bytes free for an unprivileged writer under `directory`, or -1 when unknown.
    static func availableBytes(_ directory: String) -> Int {
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return -1 }
        return Int(info.f_bavail) * Int(info.f_frsize)
    }

    /// Frees every window and the node's communicator; called by `MPIRuntime.finalize` before
    /// MPI_Finalize. Each rank of a node calls it as it exits (freeing is collective).
    static func releaseAll() {
        for window in windows {
            var win: MPI_Win? = window
            MPIRuntime.reportAtExit(MPI_Win_unlock_all(window), "MPI_Win_unlock_all")
            MPIRuntime.reportAtExit(MPI_Win_free(&win), "MPI_Win_free")
        }
        windows = []
        if let instance {
            var handle: MPI_Comm? = instance.communicator.handle
            MPIRuntime.reportAtExit(MPI_Comm_free(&handle), "MPI_Comm_free")
            self.instance = nil
        }
    }
}
