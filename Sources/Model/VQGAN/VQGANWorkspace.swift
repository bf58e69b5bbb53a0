/// Scratch memory for VQGAN encoders and decoders, grown to the largest request and then reused,
/// so repeated calls with the same batch shape allocate nothing.
///
/// An encoder and a decoder that run one at a time on one thread may share one workspace: it
/// then holds what the larger of the two needs instead of both (at 224 x 224, batch 1: two
/// 128-channel full-resolution planes and the Winograd bands). Not thread-safe: whatever runs at
/// the same time as something else needs its own.
public final class VQGANWorkspace {
    /// What each buffer holds. Activations alternate between `current` and `other` (a residual
    /// or attention block's intermediate, and the stride-2 convolution's columns, go into
    /// whichever of the two is free); `statistics` a GroupNorm's per-channel scale and shift,
    /// which its convolution applies as it reads (no normalised activation is ever whole);
    /// `normed` the attention's GroupNorm output (lowest resolution); `hidden` and `columns`
    /// what does not fit beside the output in the free activation buffer (not used by the
    /// released VQGAN); the rest are kernel scratch.
    enum Slot: Int, CaseIterable {
        case current, other, normed, statistics, hidden, columns
        case band
        case query, key, value, scores
        case products
    }

    private var buffers: [UnsafeMutablePointer<Float>?]
    private var capacities: [Int]

    public init() {
        buffers = Array(repeating: nil, count: Slot.allCases.count)
        capacities = Array(repeating: 0, count: Slot.allCases.count)
    }

    deinit {
        for b in buffers { b?.deallocate() }
    }

    /// The buffer for `slot`, holding at least `count` floats (contents kept only while it does
    /// not grow).
    func buffer(_ slot: Slot, count: Int) -> UnsafeMutablePointer<Float> {
        let i = slot.rawValue
        if capacities[i] < count || buffers[i] == nil {
            buffers[i]?.deallocate()
            let p = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            buffers[i] = p
            capacities[i] = max(count, 1)
        }
        return buffers[i]!
    }
}
