import Foundation
import Prompts
import Randomness
import Search
import XCTest

/// The search's options beyond the paper (docs/search-efficiency.md): the leave-one-out baseline
/// against a Float80 reference computed by hand, antithetic masks, the token warm-up's schedule,
/// the plateau stop and the resume key.
final class SearchLeversTests: XCTestCase {
    /// Leave-one-out advantages from their definition, in Float80: for each sample the mean of the
    /// *other* losses of its group, by an explicit loop over them.
    func reference(_ losses: [Double], _ groups: [Int]) -> [Double] {
        let n = losses.count
        var d = [Float80](repeating: 0, count: n)
        for i in 0..<n {
            var total: Float80 = 0, others = 0
            for j in 0..<n where j != i && groups[j] == groups[i] {
                total += Float80(losses[j])
                others += 1
            }
            d[i] = others == 0 ? 0 : Float80(losses[i]) - total / Float80(others)
        }
        var squares: Float80 = 0
        for x in d { squares += x * x }
        let scale = (squares / Float80(n - 1)).squareRoot() + 1e-6
        return d.map { Double($0 / scale) }
    }

    func testLeaveOneOutAdvantagesMatchTheFloat80Reference() {
        let losses = (0..<37).map { 0.3 * sin(1.3 * Double($0)) + Double($0 % 5) }
        let groups = (0..<37).map { $0 % 5 }
        let a = PolicyGradient.leaveOneOutAdvantages(losses: losses, groups: groups)
        for (x, y) in zip(a, reference(losses, groups)) { XCTAssertEqual(x, y, accuracy: 1e-13 * max(1, abs(y))) }
        // One group: the baseline is the mean of every other sample of the iteration.
        let one = PolicyGradient.leaveOneOutAdvantages(losses: losses, groups: nil)
        let all = reference(losses, [Int](repeating: 0, count: 37))
        for (x, y) in zip(one, all) { XCTAssertEqual(x, y, accuracy: 1e-13 * max(1, abs(y))) }
    }

    /// A sample's own loss is not part of its baseline: moving one loss moves the others' differences
    /// by -delta / (n - 1) in its group only, and the differences sum to zero in every group.
    func testASamplesOwnLossIsNotInItsBaseline() {
        let losses: [Double] = [1, 2, 4, 8, 3, 5], groups = [0, 0, 0, 1, 1, 1]
        // Differences by hand: group 0 {1, 2, 4}: 1 - 3, 2 - 2.5, 4 - 1.5; group 1 {8, 3, 5}: 8 - 4, 3 - 6.5, 5 - 5.5.
        let d: [Double] = [-2, -0.5, 2.5, 4, -3.5, -0.5]
        let scale = (d.map { $0 * $0 }.reduce(0, +) / 5).squareRoot() + 1e-6
        let a = PolicyGradient.leaveOneOutAdvantages(losses: losses, groups: groups)
        for (x, y) in zip(a, d.map { $0 / scale }) { XCTAssertEqual(x, y, accuracy: 1e-14) }
        XCTAssertEqual(a[0...2].reduce(0, +), 0, accuracy: 1e-14)
        XCTAssertEqual(a[3...5].reduce(0, +), 0, accuracy: 1e-14)
        // A sample alone in its group has no baseline and no advantage.
        XCTAssertEqual(PolicyGradient.leaveOneOutAdvantages(losses: [1, 2, 9], groups: [0, 0, 1])[2], 0)
    }

    /// Even samples are the plain masks; odd ones use 1 - u - 2^-53: with p < 1/2 a pair never has
    /// the same bit on, with p > 1/2 never the same bit off, and each mask alone keeps the policy's
    /// distribution (frequencies within 4.5 standard errors of p over 4000 masks).
    func testAntitheticPairsAreMirroredAndKeepTheMarginals() {
        let policy = BernoulliPolicy(logits: [-2, -1, -0.1, 0.1, 1.5])
        let p = policy.probabilities
        var on = [Int](repeating: 0, count: 5)
        let pairs = 2000
        for k in 0..<pairs {
            let even = policy.sampleMask(seed: 7, iteration: 3, sample: 2 * k, probabilities: p, antithetic: true)
            let odd = policy.sampleMask(seed: 7, iteration: 3, sample: 2 * k + 1, probabilities: p, antithetic: true)
            XCTAssertEqual(even, policy.sampleMask(seed: 7, iteration: 3, sample: 2 * k, probabilities: p))
            for v in 0..<5 {
                if p[v] < 0.5 { XCTAssertFalse(even[v] && odd[v]) } else { XCTAssertTrue(even[v] || odd[v]) }
                on[v] += (even[v] ? 1 : 0) + (odd[v] ? 1 : 0)
            }
        }
        for v in 0..<5 {
            let n = Double(2 * pairs)
            // The pair's bits are negatively correlated, so the spread of the count is below binomial.
            XCTAssertEqual(Double(on[v]) / n, p[v], accuracy: 4.5 * (p[v] * (1 - p[v]) / n).squareRoot())
        }
    }

    /// The odd sample's bit by hand from the stream: on exactly when (2^53 - 1 - k) 2^-53 < p.
    func testTheMirroredDrawIsTheComplementOfTheEvenOne() {
        let policy = BernoulliPolicy(logits: [Double](repeating: 0.3, count: 64))
        let p = policy.probabilities
        let stream = SplitMix64(seed: 5).substream(2).substream(10)
        let odd = policy.sampleMask(seed: 5, iteration: 2, sample: 11, probabilities: p, antithetic: true)
        for v in 0..<64 {
            let k = stream.value(at: UInt64(v)) >> 11
            XCTAssertEqual(odd[v], Double((1 << 53) - 1 - k) * 0x1.0p-53 < p[v])
        }
    }

    func testTheTokenWarmupScheduleAndThePlateau() {
        var settings = SearchSettings()
        settings.tokenWarmup = 3
        XCTAssertEqual((0..<5).map { settings.reward(atIteration: $0) }, [.tokens, .tokens, .tokens, .pixel, .pixel])
        var state = SearchState(variables: 2, settings: settings)
        state.bestIteration = 10
        state.evaluations = [10, 15, 20, 25].map { EvaluationRecord(iteration: $0, loss: 0, patched: 0) }
        XCTAssertEqual(state.evaluationsSinceBest, 3)
    }

    /// The published settings keep the resume key they always had (old checkpoints resume), and every
    /// new setting changes it.
    func testTheResumeKeyNamesEveryNewSetting() {
        let paper = SearchSettings()
        XCTAssertEqual(
            paper.resumeKey(), "g1 init-1.0 lr0.1 n320 train10 eval490/50 l0.0 pixel both seed0")
        var keys: Set<String> = [paper.resumeKey()]
        for change in [
            { (s: inout SearchSettings) in s.baseline = .leaveOneOut }, { $0.antithetic = true },
            { $0.tokenWarmup = 5 }, { $0.stopOnPlateau = 2 }, { $0.precision = .bf16 }, { $0.check = .threshold },
            { $0.startVariables = [3, 7] }, { $0.startVariables = [3, 8] },
            {
                $0.startVariables = [3, 7]; $0.startLogit = 2
            }
        ] {
            var s = paper
            change(&s)
            keys.insert(s.resumeKey())
        }
        XCTAssertEqual(keys.count, 10)
    }

    /// A report's settings written before these options existed still decode, with their defaults.
    func testSettingsWithoutTheNewKeysDecodeToTheirDefaults() throws {
        var object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: JSONEncoder().encode(SearchSettings())) as? [String: Any])
        for key in [
            "antithetic", "tokenWarmup", "stopOnPlateau", "recipe", "baseline", "precision", "check", "startVariables",
            "startLogit"
        ] {
            XCTAssertNotNil(object.removeValue(forKey: key), key)
        }
        let decoded = try JSONDecoder().decode(
            SearchSettings.self, from: JSONSerialization.data(withJSONObject: object))
        XCTAssertEqual(decoded, SearchSettings())
        var fast = SearchSettings()
        (fast.recipe, fast.antithetic, fast.tokenWarmup, fast.stopOnPlateau) = (.fast, true, 4, 2)
        fast.precision = .bf16
        fast.check = .threshold
        (fast.startVariables, fast.startLogit) = ([1, 4, 9], 1.5)
        XCTAssertEqual(try JSONDecoder().decode(SearchSettings.self, from: JSONEncoder().encode(fast)), fast)
    }
}
