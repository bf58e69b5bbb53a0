import Foundation
import Search
import XCTest

/// `--reuse` (`SampleReuse`): the importance weights and the gradient they enter against a Float80
/// reference that multiplies the Bernoulli probabilities out, and hand-computed cases.
final class SampleReuseTests: XCTestCase {
    /// The clamped Bernoulli probability of bit `on` under logit x, in Float80.
    func probability(_ x: Double, _ on: Bool) -> Float80 {
        let clamp = Float80(BernoulliPolicy.clamp)
        let p = min(max(1 / (1 + exp(-Float80(x))), clamp), 1 - clamp)
        return on ? p : 1 - p
    }

    /// p(mask) as the product over variables, in Float80.
    func density(_ mask: [Bool], _ logits: [Double]) -> Float80 {
        var p: Float80 = 1
        for v in mask.indices { p *= probability(logits[v], mask[v]) }
        return p
    }

    let old: [[Double]] = [
        (0..<12).map { -1 + 0.1 * Double($0) }, (0..<12).map { -0.8 + 0.15 * sin(Double($0)) }
    ]
    let now: [Double] = (0..<12).map { -0.6 + 0.2 * cos(Double($0)) }

    func batches(_ counts: [Int]) -> [RecentBatch] {
        counts.enumerated().map { b, n in
            RecentBatch(iteration: 4 + b, logits: old[b], losses: (0..<n).map { 0.5 + 0.3 * sin(Double($0 * 7 + b)) })
        }
    }

    /// w_j a_j of every reused sample against the Float80 products: each mask drawn with the plain
    /// (one exp per variable) `sampleMask`, p_now(m) / p_old(m) self-normalized per batch and cut at sqrt(N).
    func testWeightedAdvantagesMatchTheFloat80Reference() {
        let recent = batches([9, 16])
        let advantages = { (losses: [Double]) in losses.map { 2 * $0 - 1 } }
        let reused = SampleReuse.weightedSamples(
            recent, logits: now, seed: 3, antithetic: false, advantages: advantages)
        var expected: [Double] = []
        var masks: [[Bool]] = []
        for batch in recent {
            let policy = BernoulliPolicy(logits: batch.logits)
            let drawn = batch.losses.indices.map { policy.sampleMask(seed: 3, iteration: batch.iteration, sample: $0) }
            let ratios = drawn.map { density($0, now) / density($0, batch.logits) }
            let total = ratios.reduce(0, +)
            let n = Float80(batch.losses.count)
            let a = advantages(batch.losses)
            for (j, ratio) in ratios.enumerated() {
                expected.append(Double(min(n * ratio / total, n.squareRoot()) * Float80(a[j])))
            }
            masks += drawn
        }
        XCTAssertEqual(reused.masks, masks)
        XCTAssertEqual(reused.advantages.count, 25)
        for (x, y) in zip(reused.advantages, expected) { XCTAssertEqual(x, y, accuracy: 1e-12 * max(1, abs(y))) }
        // The reference's weights vary, so the test sees them (not all 1), and none was cut here.
        XCTAssertGreaterThan(Set(reused.advantages.map { ($0 * 1e6).rounded() }).count, 20)

        // The gradient the search takes from these samples and 10 current ones: FixedPointGradient over
        // every advantage, divided by all 35, against sum_j c_j a_j (m_j - p_v) / (35 V) in Float80.
        let current = BernoulliPolicy(logits: now)
        let p = current.probabilities
        let currentMasks = (0..<10).map { current.sampleMask(seed: 3, iteration: 6, sample: $0) }
        let currentAdvantages = (0..<10).map { 0.4 * Double($0) - 1.8 }
        let all = currentAdvantages + reused.advantages
        var terms = FixedPointGradient(variables: 12, advantages: all)
        for (j, mask) in (currentMasks + reused.masks).enumerated() { terms.add(sample: j, mask: mask) }
        let gradient = terms.gradient(totalSums: terms.sums, probabilities: p, totalSamples: all.count)
        for v in 0..<12 {
            var g: Float80 = 0
            for (j, mask) in (currentMasks + reused.masks).enumerated() {
                g += Float80(all[j]) * ((mask[v] ? 1 : 0) - Float80(p[v]))
            }
            g /= Float80(35 * 12)
            XCTAssertEqual(gradient[v], Double(g), accuracy: 1e-12)
        }
    }

    /// Hand cases: an unchanged policy weighs every sample 1 (and the effective size is N); one mask
    /// far more likely now than then is cut at sqrt(N); the log-sigmoid is finite and clamped far out.
    func testUnchangedPolicyWeighsOneAndOutliersAreCut() {
        let same = SampleReuse.weightedSamples(
            batches([8]).map { RecentBatch(iteration: $0.iteration, logits: now, losses: $0.losses) }, logits: now,
            seed: 1, antithetic: true, advantages: { $0 })
        XCTAssertEqual(same.advantages, batches([8])[0].losses)
        XCTAssertEqual(same.effectiveSamples, 8, accuracy: 1e-12)

        // r = (10, 0, 0, 0): raw self-normalized weights 4 e^10 / (e^10 + 3) ~ 4 and ~ 0; cut at 2.
        let w = SampleReuse.weights(logRatios: [10, 0, 0, 0])
        XCTAssertEqual(w[0], 2)
        XCTAssertEqual(w[1], 4 / (exp(10) + 3), accuracy: 1e-18)
        XCTAssertEqual(SampleReuse.weights(logRatios: [-700, -700.5]), SampleReuse.weights(logRatios: [0, -0.5]))
        XCTAssertEqual(SampleReuse.effectiveSamples([1, 1, 0, 0]), 2)

        let far = SampleReuse.LogProbabilities(logits: [-800, 800, 0])
        XCTAssertEqual(far.on[0], log(BernoulliPolicy.clamp))
        XCTAssertEqual(far.off[0], log1p(-BernoulliPolicy.clamp))
        XCTAssertEqual(far.on[1], log1p(-BernoulliPolicy.clamp))
        XCTAssertEqual(far.on[2], -log(2), accuracy: 1e-16)
        // log p_new(m) - log p_old(m) for m = (on, off, on) by hand.
        let a = SampleReuse.LogProbabilities(logits: [0, 1, -1])
        let b = SampleReuse.LogProbabilities(logits: [2, 0, 0])
        let r = SampleReuse.logRatio([true, false, true], new: a, old: b)
        let sigmoid = { (x: Double) in 1 / (1 + exp(-x)) }
        let byHand = log(0.5 / sigmoid(2)) + log((1 - sigmoid(1)) / 0.5) + log(sigmoid(-1) / 0.5)
        XCTAssertEqual(r, byHand, accuracy: 1e-14)
    }

    /// --reuse is in the resume key when used, and reports written before it decode with it off.
    func testReuseAndAdaptiveSamplesAreInTheResumeKeyAndDecodeToTheirDefaults() throws {
        let paper = SearchSettings()
        var reuse = paper
        reuse.reuse = 2
        var adaptive = paper
        adaptive.adaptiveMinimum = 40
        XCTAssertEqual(Set([paper.resumeKey(), reuse.resumeKey(), adaptive.resumeKey()]).count, 3)
        XCTAssertTrue(reuse.resumeKey().hasSuffix(" reuse2"))
        XCTAssertTrue(adaptive.resumeKey().hasSuffix(" adaptive40"))
        var object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(paper)) as? [String: Any])
        XCTAssertNotNil(object.removeValue(forKey: "reuse"))
        XCTAssertNotNil(object.removeValue(forKey: "adaptiveMinimum"))
        XCTAssertEqual(
            try JSONDecoder().decode(SearchSettings.self, from: JSONSerialization.data(withJSONObject: object)), paper)
        var both = paper
        (both.reuse, both.adaptiveMinimum) = (3, 16)
        XCTAssertEqual(try JSONDecoder().decode(SearchSettings.self, from: JSONEncoder().encode(both)), both)
        XCTAssertEqual(reuse.problems, [])
        reuse.reuse = -1
        XCTAssertEqual(reuse.problems, ["reuse must be 0 (off) or more iterations"])
        adaptive.adaptiveMinimum = 400
        XCTAssertTrue(adaptive.problems.first?.contains("adaptive samples") ?? false, "\(adaptive.problems)")
        adaptive.adaptiveMinimum = 12
        adaptive.baseline = .leaveOneOut
        XCTAssertTrue(adaptive.problems.first?.contains("2 samples per training prompt") ?? false)
    }
}
