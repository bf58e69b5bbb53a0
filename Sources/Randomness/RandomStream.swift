import Foundation

/// A counter-based random stream: draw `i` is SplitMix64's finaliser applied to the stream's key plus
/// (`i` + 1) times the golden-ratio increment, so any draw can be computed on its own, in any order
/// and on any rank, with the same result. Every random number vtv draws (model initialisation,
/// prompts, the search policy's masks) is a draw of one of these streams.
///
/// Streams are derived from a seed in two ways, both kept because files and pinned results depend
/// on them: by number or name (`init(seed:stream:)`, `init(seed:name:)`: model initialisation, the
/// final patch set, benchmarks) and by a chain of keys (`substream(_:)`: prompts and the policy).
public struct RandomStream: Equatable, Sendable {
    /// The key; draws are functions of (key, counter) only.
    public let key: UInt64

    /// The golden-ratio increment between the states of consecutive draws.
    public static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// The stream whose draw `i` is `finalise(key + (i + 1) * gamma)`: SplitMix64 seeded with `key`.
    public init(key: UInt64) {
        self.key = key
    }

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

    /// An independent stream named by `key` (e.g. a prompt index or an iteration), derived from
    /// this stream's key without consuming draws.
    public func substream(_ key: UInt64) -> RandomStream {
        RandomStream(key: RandomStream.finalise(self.key ^ RandomStream.finalise(key &+ 0x5851_F42D_4C95_7F2D)))
    }

    /// SplitMix64's finaliser (Steele, Lea, Flood 2014): a bijective mix of 64 bits.
    @inline(__always)
    public static func finalise(_ x: UInt64) -> UInt64 {
        var z = x
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// SplitMix64's output function: one step of the increment, then the finaliser.
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        finalise(x &+ gamma)
    }

    /// Draw `counter`: 64 random bits.
    @inline(__always)
    public func bits(_ counter: UInt64) -> UInt64 {
        RandomStream.mix(key &+ counter &* RandomStream.gamma)
    }

    /// Draw `counter` as a uniform value in [0, 1) with 24 random bits (exact in Float).
    @inline(__always)
    public func unit(_ counter: UInt64) -> Float {
        Float(bits(counter) >> 40) * 0x1p-24
    }

    /// Draw `counter` as a uniform value in [0, 1) with 53 random bits (exact in Double).
    @inline(__always)
    public func unitDouble(_ counter: UInt64) -> Double {
        Double(bits(counter) >> 11) * 0x1.0p-53
    }

    /// Draw `counter` as a uniform value in [low, high).
    @inline(__always)
    public func uniform(_ counter: UInt64, _ low: Float, _ high: Float) -> Float {
        low + (high - low) * unit(counter)
    }
}

extension RandomStream {
    /// Draw `counter` as a normal value (Box-Muller on draws 2*counter and 2*counter + 1 of this
    /// stream's 24-bit uniforms, shifted off zero).
    public func normal(_ counter: UInt64, standardDeviation: Float) -> Float {
        let u1 = (Double(bits(2 &* counter) >> 40) + 0.5) * 0x1p-24
        let u2 = Double(bits(2 &* counter &+ 1) >> 40) * 0x1p-24
        return Float((-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)) * standardDeviation
    }
}
