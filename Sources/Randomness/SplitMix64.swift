/// A seeded random sequence: SplitMix64 read in order. Draw n is `RandomStream(key: seed).bits(n)`,
/// SplitMix64's finaliser applied to seed + (n + 1) * golden gamma, so the same seed gives the same
/// numbers on every platform, and a sequence can be split by key without consuming draws
/// (`substream(_:)`).
public struct SplitMix64: Sendable {
    /// The counter-based stream this sequence reads.
    public let stream: RandomStream
    /// The number of draws taken so far.
    public private(set) var counter: UInt64 = 0

    public init(seed: UInt64) {
        stream = RandomStream(key: seed)
    }

    public var seed: UInt64 { stream.key }

    /// Draw number `index` of this sequence, without advancing it.
    public func value(at index: UInt64) -> UInt64 {
        stream.bits(index)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        defer { counter &+= 1 }
        return value(at: counter)
    }

    /// An independent sequence named by `key` (e.g. a prompt index), derived from this seed.
    public func substream(_ key: UInt64) -> SplitMix64 {
        SplitMix64(seed: stream.substream(key).key)
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
