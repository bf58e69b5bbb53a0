/// Where a model keeps what it derives from its weights for its whole life: packed Linear panels,
/// Winograd filters, biases, norms, the codebook (`ModelWeights`, one block for all of them).
///
/// Why a seam: a model holds gigabytes that never change after loading, and processes running the
/// same model on one machine can share them. The model never allocates these buffers itself; the
/// process that runs it hands in an arena. `PrivateWeightArena` is the process's own memory; vtv
/// injects one that places the block in memory shared by the MPI ranks of a node, built by one
/// rank and read by all (Sources/Pipeline/WeightSharing.swift). This module knows nothing
/// of MPI.
public protocol WeightArena {
    /// A block of `count` floats, page-aligned, written by `fill` and read-only afterwards.
    ///
    /// `fill` runs in exactly one process of the arena's group, the builder: for a private arena
    /// that is this process; for a shared one it may be another, and here `fill` never runs and
    /// the call returns once the builder has filled the block. Every process of the group must
    /// make the same calls, in the same order, with the same count. An error thrown by `fill`
    /// is rethrown by the builder; the other processes throw one that quotes it.
    func block(floats count: Int, fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) throws -> WeightBlock
}

/// A read-only block of floats from a `WeightArena`, valid while this object lives (shared
/// blocks may outlive it: they stay mapped until the process ends).
public final class WeightBlock: @unchecked Sendable {
    /// values: [count] floats.
    public let values: UnsafeBufferPointer<Float>
    private let release: () -> Void

    /// `release` runs once, when the block is no longer referenced.
    public init(values: UnsafeBufferPointer<Float>, release: @escaping () -> Void) {
        self.values = values
        self.release = release
    }

    deinit { release() }
}

/// The process's own memory: `fill` runs here, and the block is freed with its last reference.
public struct PrivateWeightArena: WeightArena {
    public init() {}

    public func block(floats count: Int, fill: (UnsafeMutableBufferPointer<Float>) throws -> Void) throws -> WeightBlock
    {
        // Page-aligned like a shared window's base, so that both arenas give every tensor the
        // same alignment (and the kernels the same code path).
        let bytes = max(1, count) * MemoryLayout<Float>.stride
        let raw = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: WeightArenaAlignment.page)
        let values = raw.bindMemory(to: Float.self, capacity: max(1, count))
        do {
            try fill(UnsafeMutableBufferPointer(start: values, count: count))
        } catch {
            raw.deallocate()
            throw error
        }
        return WeightBlock(values: UnsafeBufferPointer(start: values, count: count), release: { raw.deallocate() })
    }
}

/// Alignments the arenas and `ModelWeights` keep.
enum WeightArenaAlignment {
    /// A block's base (what `mmap`, and so an MPI shared window, returns).
    static let page = 4096
    /// Each tensor's offset in a block, in floats: one 64-byte cache line, a full AVX-512 vector.
    static let tensorFloats = 16
}
