/// A seeded, counter-based random stream: draw n is SplitMix64's finaliser applied to
/// seed + (n + 1) * golden gamma. The same seed gives the same numbers on every platform, and a
/// stream can be split by key without consuming draws (`substream(_:)`).
public struct SplitMix64: Sendable {
    public let seed: UInt64
    /// The number of draws taken so far.
    public private(set) var counter: UInt64 = 0

    public init(seed: UInt64) {
        self.seed = seed
    }

    static let gamma: UInt64 = 0x9E37_79B9_7F4A_7C15

    /// SplitMix64's output function (Steele, Lea, Flood 2014).
    @inline(__always) static func mix(_ z0: UInt64) -> UInt64 {
        var z = z0
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Draw number `index` of this stream, without advancing it.
    public func value(at index: UInt64) -> UInt64 {
        SplitMix64.mix(seed &+ (index &+ 1) &* SplitMix64.gamma)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        defer { counter &+= 1 }
        return value(at: counter)
    }

    /// An independent stream named by `key` (e.g. a prompt index), derived from this seed.
    public func substream(_ key: UInt64) -> SplitMix64 {
        SplitMix64(seed: SplitMix64.mix(seed ^ SplitMix64.mix(key &+ 0x5851_F42D_4C95_7F2D)))
    }

    /// A uniform integer in 0..<bound (bound > 0), by rejection so there is no modulo bias.
    public mutating func nextInt(below bound: Int) -> Int {
        precondition(bound > 0, "empty range")
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let v = next()
            if v < limit { return Int(v % b) }
        }
    }

    /// A uniform Double in [0, 1) with 53 random bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}
