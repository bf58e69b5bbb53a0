/// Scratch memory for one VQGAN encoder or decoder, grown to the largest request and then
/// reused, so repeated calls with the same batch shape allocate nothing.
/// Not thread-safe: each thread needs its own encoder/decoder (and so its own workspace).
final class VQGANWorkspace {
    /// What each buffer holds. Activations alternate between `current` and `other`; `normed`
    /// and `hidden` are a residual block's intermediates; the rest are kernel scratch.
    enum Slot: Int, CaseIterable {
        case current, other, normed, hidden
        case padded, band, columns
        case query, key, value, scores
        case products
    }

    private var buffers: [UnsafeMutablePointer<Float>?]
    private var capacities: [Int]

    init() {
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
