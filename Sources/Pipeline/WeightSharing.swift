import Distributed
import Foundation
import Model

/// How the ranks of a job hold what a model derives from its file (`ModelWeights`: packed Linear
/// panels, Winograd filters, everything else the kernels read).
///
/// By default the ranks of a job on one node share one read-only copy: the node's first rank
/// reads the file and builds it in an MPI shared-memory window while the others wait, so a node's
/// ranks hold about one model between them instead of one each, and only one of them reads the
/// file. `VTV_PRIVATE_WEIGHTS=1` (on any rank of a node) gives every rank its own copy, as a
/// process started without MPI, a node with one rank and the commands that run on rank 0 alone
/// always have. Results are bit-identical either way: the same code derives the same bytes.
public enum WeightSharing {
    /// Each process builds its own copy.
    case perProcess
    /// One copy for the ranks of this node.
    case perNode(NodeSharedMemory)

    /// The environment variable that turns sharing off (cluster/README.md).
    public static let privateVariable = "VTV_PRIVATE_WEIGHTS"

    /// The sharing of a command every rank runs. Every rank must call it at the same point: under
    /// MPI with several ranks it splits the world by node (a collective), and the ranks of a node
    /// agree on whether any of them asked for private copies.
    public static func forDistributedCommand() throws -> WeightSharing {
        let world = Communicator.world
        guard world.size > 1 else { return .perProcess }
        let node = try NodeSharedMemory.node()
        guard node.size > 1 else { return .perProcess }
        let value = ProcessInfo.processInfo.environment[privateVariable] ?? ""
        let wantsPrivate = !value.isEmpty && value != "0"
        return try node.any(wantsPrivate) ? .perProcess : .perNode(node)
    }

    /// The sharing of a stage run on the ranks of `world`: per node (`forDistributedCommand`) when
    /// `world` is the job's whole world of several ranks, else a private copy. A collective over
    /// `world` when it is the whole world.
    public static func forStage(_ world: Communicator) throws -> WeightSharing {
        guard world.size > 1, world.size == Communicator.world.size else { return .perProcess }
        return try forDistributedCommand()
    }

    /// Where the weights go.
    public var arena: any WeightArena {
        switch self {
        case .perProcess: return PrivateWeightArena()
        case .perNode(let node): return NodeSharedWeightArena(node: node)
        }
    }
}

/// A node's shared memory as a `WeightArena`: one block per call, filled by the node's first rank.
/// Blocks stay mapped until MPI is finalised (freeing a window is collective).
public struct NodeSharedWeightArena: WeightArena {
    public let node: NodeSharedMemory

    public func block(floats count: Int, fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) throws -> WeightBlock
    {
        let bytes = count * MemoryLayout<Float>.stride
        do {
            let shared = try node.allocate(bytes: bytes) { raw in try fill(raw.bindMemory(to: Float.self)) }
            return WeightBlock(values: shared.bindMemory(to: Float.self), release: {})
        } catch let error as NodeSharedMemoryError {
            guard case .backingStoreTooSmall = error else { throw error }
            // Every rank of the node got the same answer, so they all fall back together.
            if node.isBuilder {
                FileHandle.standardError.write(
                    Data(
                        ("vtv (rank \(Communicator.world.rank)): \(error); every rank of "
                            + "this node keeps its own copy of the model instead (enlarge it, or set "
                            + "\(WeightSharing.privateVariable)=1 to skip sharing)\n").utf8))
            }
            return try PrivateWeightArena().block(floats: count, fill: fill)
        }
    }
}
