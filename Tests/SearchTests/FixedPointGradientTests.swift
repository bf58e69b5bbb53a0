import Foundation
import Prompts
import Randomness
import XCTest

@testable import Search

/// The exact fixed-point policy gradient (`FixedPointGradient`): within its stated error bound of a
/// float64-and-better reference (Float80 sums), for ordinary and extreme advantages and up to
/// 100,000 samples, without overflow; and bit-identical however the samples are split and ordered.
final class FixedPointGradientTests: XCTestCase {
    /// Advantages as the search makes them: standardized losses of `n` samples.
    func advantages(_ n: Int, seed: UInt64, outlier: Double? = nil) -> [Double] {
        var stream = SplitMix64(seed: seed)
        var losses = (0..<n).map { _ in stream.nextUnit() }
        if let outlier { losses[n / 2] = outlier }
        return PolicyGradient.advantages(losses: losses)
    }

    func masks(_ n: Int, _ policy: BernoulliPolicy, seed: UInt64) -> [[Bool]] {
        let p = policy.probabilities
        return (0..<n).map { policy.sampleMask(seed: seed, iteration: 3, sample: $0, probabilities: p) }
    }

    func randomPolicy(_ variables: Int, seed: UInt64) -> BernoulliPolicy {
        var stream = SplitMix64(seed: seed)
        return BernoulliPolicy(logits: (0..<variables).map { _ in stream.nextUnit() * 8 - 4 })
    }

    /// g_v = sum_i a_i (m_iv - p_v) / (N V), summed in Float80 (64-bit significand).
    func reference(_ a: [Double], _ masks: [[Bool]], _ p: [Double]) -> [Double] {
        let n = Float80(a.count), v = Float80(p.count)
        return p.indices.map { j in
            var total: Float80 = 0
            for (i, mask) in masks.enumerated() { total += Float80(a[i]) * ((mask[j] ? 1 : 0) - Float80(p[j])) }
            return Double(total / (n * v))
        }
    }

    func check(
        samples n: Int, variables: Int, outlier: Double? = nil, file: StaticString = #filePath, line: UInt = #line
    ) {
        let policy = randomPolicy(variables, seed: UInt64(n))
        let a = advantages(n, seed: UInt64(n) + 1, outlier: outlier)
        let m = masks(n, policy, seed: 9)
        var terms = FixedPointGradient(variables: variables, advantages: a)
        for (i, mask) in m.enumerated() { terms.add(sample: i, mask: mask) }
        let p = policy.probabilities
        let g = terms.gradient(totalSums: terms.sums, probabilities: p, totalSamples: n)
        let expected = reference(a, m, p)
        let bound = terms.errorBound(variables: variables)
        for v in 0..<variables {
            // The final float64 operations round too: a few ulps of the terms' size.
            let slack =
                8 * Double.ulpOfOne * (Double(terms.sums[v].magnitude) + Double(terms.quantized.reduce(0, +).magnitude))
                / (Double(sign: .plus, exponent: terms.fractionBits, significand: 1) * Double(n * variables))
            XCTAssertLessThanOrEqual(
                abs(g[v] - expected[v]), bound + slack,
                "n \(n), variable \(v): F = \(terms.fractionBits)", file: file, line: line)
        }
    }

    func testTheGradientIsWithinTheBoundOfAFloat80Reference() {
        for n in [2, 17, 320, 10_240] { check(samples: n, variables: 33) }
    }

    func testOneHundredThousandSamplesWithAnExtremeOutlierNeitherOverflowNorLeaveTheBound() {
        // One loss far from the rest: its advantage is close to sqrt(N), the largest a standardized value gets.
        check(samples: 100_000, variables: 5, outlier: 1e12)
        let a = advantages(100_000, seed: 4, outlier: -1e12)
        XCTAssertGreaterThan(a.map(abs).max()!, 300)
        let terms = FixedPointGradient(variables: 1, advantages: a)
        XCTAssertGreaterThanOrEqual(terms.fractionBits, 40)
        XCTAssertLessThan(terms.quantized.reduce(0.0) { $0 + Double($1.magnitude) }, 0x1p62)
    }

    func testEqualLossesGiveAZeroGradient() {
        let a = PolicyGradient.advantages(losses: [Double](repeating: 0.7, count: 64))
        let policy = randomPolicy(9, seed: 1)
        var terms = FixedPointGradient(variables: 9, advantages: a)
        for (i, mask) in masks(64, policy, seed: 2).enumerated() { terms.add(sample: i, mask: mask) }
        // The mean of 64 equal floats is not exactly each of them, so advantages are ~1e-10, not 0.
        let g = terms.gradient(totalSums: terms.sums, probabilities: policy.probabilities, totalSamples: 64)
        XCTAssertLessThan(g.map(abs).max()!, 1e-9)
    }

    func testAnySplitAndOrderOfTheSamplesGivesTheSameBits() {
        let n = 1000, variables = 40
        let policy = randomPolicy(variables, seed: 5)
        let a = advantages(n, seed: 6)
        let m = masks(n, policy, seed: 7)
        var whole = FixedPointGradient(variables: variables, advantages: a)
        for i in 0..<n { whole.add(sample: i, mask: m[i]) }
        for parts in [2, 3, 7, 64] {
            // Each part adds a contiguous block of samples, backwards; the parts' sums are added in reverse.
            var total = [Int64](repeating: 0, count: variables)
            for r in (0..<parts).reversed() {
                var part = FixedPointGradient(variables: variables, advantages: a)
                for i in (r * n / parts..<(r + 1) * n / parts).reversed() { part.add(sample: i, mask: m[i]) }
                for v in 0..<variables { total[v] += part.sums[v] }
            }
            XCTAssertEqual(total, whole.sums, "\(parts) parts")
            let p = policy.probabilities
            XCTAssertEqual(
                whole.gradient(totalSums: total, probabilities: p, totalSamples: n),
                whole.gradient(totalSums: whole.sums, probabilities: p, totalSamples: n))
        }
    }

    func testTheFastMaskDrawIsTheSameAsTheOriginal() {
        let policy = randomPolicy(200, seed: 8)
        let p = policy.probabilities
        for sample in 0..<20 {
            XCTAssertEqual(
                policy.sampleMask(seed: 3, iteration: 4, sample: sample, probabilities: p),
                policy.sampleMask(seed: 3, iteration: 4, sample: sample))
        }
    }
}
