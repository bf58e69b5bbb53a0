/// The REINFORCE policy gradient of the search (`PolicyGradient`) summed exactly, so that ranks can each add their
/// own samples and one integer all-reduce combines them: integer addition is associative, so the
/// sum, and with it the policy, is bit-identical on any number of ranks and any split of the
/// samples, while each rank draws and adds only the masks it evaluated.
///
/// The gradient of variable v over the N samples of an iteration is
///   g_v = sum_i a_i (m_iv - p_v) / (N V) = (sum_i a_i m_iv - p_v sum_i a_i) / (N V).
/// Each advantage a_i is rounded to the integer q_i = round(a_i 2^F); ranks accumulate
/// S_v = sum_i q_i m_iv over their samples in Int64, the all-reduce sums S_v over ranks, and
/// Q = sum_i q_i is known to every rank (the advantages are). Then
///   g~_v = (S_v - p_v Q) / (2^F N V).
///
/// Error bound: |q_i 2^-F - a_i| <= 2^-(F+1), and |m_iv - p_v| <= 1, so
///   |g~_v - g_v| <= N 2^-(F+1) / (N V) = 2^-(F+1) / V,
/// plus the rounding of the final float64 operations (a few ulps of |S_v| 2^-F / (N V)).
/// F is the largest number of fraction bits, at most 48, for which sum_i |q_i| < 2^62: no partial
/// sum over any subset of samples can then overflow. Standardized advantages have |a_i| < sqrt(N),
/// so F is 44 or more up to N = 100,000 samples (bound about 3e-14 / V).
public struct FixedPointGradient {
    /// F: the fraction bits of the quantized advantages (the same on every rank).
    public let fractionBits: Int
    /// q_i for every sample of the iteration.
    public let quantized: [Int64]
    /// S_v: sum of q_i m_iv over the samples added here: [variables].
    public var sums: [Int64]

    public static let maximumFractionBits = 48

    /// Quantizes `advantages` (every sample of the iteration, in sample order; all finite).
    public init(variables: Int, advantages: [Double]) {
        precondition(advantages.allSatisfy(\.isFinite), "advantages must be finite")
        let total = advantages.reduce(0) { $0 + abs($1) }
        // Largest F with (total + N/2) 2^F < 2^62 (each rounding adds at most 1/2 per sample).
        var bits = Self.maximumFractionBits
        let limit = 0x1p62 as Double
        while bits > 0
            && (total * Double(sign: .plus, exponent: bits, significand: 1) + Double(advantages.count)) >= limit
        {
            bits -= 1
        }
        fractionBits = bits
        let scale = Double(sign: .plus, exponent: bits, significand: 1)
        quantized = advantages.map { Int64(($0 * scale).rounded()) }
        sums = [Int64](repeating: 0, count: variables)
    }

    /// Adds sample `sample`'s mask ([variables]).
    public mutating func add(sample: Int, mask: [Bool]) {
        precondition(mask.count == sums.count)
        let q = quantized[sample]
        sums.withUnsafeMutableBufferPointer { s in
            for v in 0..<s.count where mask[v] { s[v] += q }
        }
    }

    /// The gradient ([variables]) from the sums over every sample (after the all-reduce).
    /// `probabilities`: p_v, [variables]; `totalSamples`: N.
    public func gradient(totalSums: [Int64], probabilities: [Double], totalSamples: Int) -> [Double] {
        precondition(totalSums.count == probabilities.count)
        let q = quantized.reduce(0, +)
        let scale =
            1
            / (Double(sign: .plus, exponent: fractionBits, significand: 1) * Double(totalSamples)
                * Double(probabilities.count))
        return (0..<totalSums.count).map { v in (Double(totalSums[v]) - probabilities[v] * Double(q)) * scale }
    }

    /// The bound on |g~_v - g_v| stated above, without the final rounding: 2^-(F+1) / V.
    public func errorBound(variables: Int) -> Double {
        Double(sign: .plus, exponent: -(fractionBits + 1), significand: 1) / Double(variables)
    }
}
