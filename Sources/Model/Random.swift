/// A counter-based random stream: draw `i` is SplitMix64's finaliser applied to a key derived
/// from (seed, stream) plus `i` times the golden-ratio increment, so any draw can be computed
/// on its own, in any order and on any rank, with the same result.
public struct RandomStream: Equatable, Sendable {
    /// The key mixing seed and stream; draws are functions of (key, counter) only.
    public let key: UInt64

    /// The stream numbered `stream` under `seed`.
    public init(seed: UInt64, stream: UInt64) {
        key = RandomStream.mix(RandomStream.mix(seed) ^ (stream &* 0xD1B5_4A32_D192_ED03))
    }

    /// The stream named `name` (e.g. a tensor name) under `seed`; names are hashed with FNV-1a,
    /// which unlike Swift's `Hasher` is the same in every process.
    public init(seed: UInt64, name: String) {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
        }
        self.init(seed: seed, stream: h)
    }

    /// SplitMix64's output function.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Draw `counter`: 64 random bits.
    @inline(__always)
    public func bits(_ counter: UInt64) -> UInt64 {
        RandomStream.mix(key &+ counter &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Draw `counter` as a uniform value in [0, 1) with 24 random bits (exact in Float).
    @inline(__always)
    public func unit(_ counter: UInt64) -> Float {
        Float(bits(counter) >> 40) * 0x1p-24
    }

    /// Draw `counter` as a uniform value in [low, high).
    @inline(__always)
    public func uniform(_ counter: UInt64, _ low: Float, _ high: Float) -> Float {
        low + (high - low) * unit(counter)
    }
}
