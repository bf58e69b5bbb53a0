import Foundation
import Search
import TestSupport
import XCTest

/// The REINFORCE update (advantages, surrogate gradient, sparsity penalty, Adam) equals PyTorch
/// autograd + torch.optim.Adam on the same masks and losses
/// (reference: Tests/Fixtures/reinforce/reference.json from tools/fixtures/make_reinforce_reference.py).
final class ReinforceStepTests: XCTestCase {
    struct Step: Decodable { let advantages: [Double]; let gradient: [Double]; let theta: [Double] }
    struct Reference: Decodable {
        let variables: Int, samples: Int, steps: Int
        let plain: [Step], multitask: [Step]
        let penalty: [Step]
        enum CodingKeys: String, CodingKey {
            case variables, samples, steps, plain, multitask
            case penalty = "penalty_0.05"
        }
    }

    lazy var reference: Reference = {
        let url = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/reinforce/reference.json")
        return try! JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }()

    // The same formulas as the Python script.
    func masks(_ step: Int) -> [[Bool]] {
        (0..<reference.samples).map { i in (0..<reference.variables).map { v in (i * 7 + v * 3 + step * 5) % 5 < 2 } }
    }
    func losses(_ step: Int) -> [Double] {
        (0..<reference.samples).map { sin(0.7 * Double($0) + 1.3 * Double(step)) + 0.1 * Double($0) }
    }

    func replay(_ expected: [Step], lambda: Double, groups: [Int]?, splitAt split: Int) {
        var policy = BernoulliPolicy(variables: reference.variables, initialLogit: -1)
        var adam = Adam(parameters: reference.variables, learningRate: 0.1)
        for (step, want) in expected.enumerated() {
            let advantages = PolicyGradient.advantages(losses: losses(step), groups: groups)
            assertClose(advantages, want.advantages, 1e-12, "advantages at step \(step)")
            // Accumulated in two parts that are then added: the estimator is a plain sum over samples.
            var first = [Double](repeating: 0, count: policy.count), second = first
            let m = masks(step)
            PolicyGradient.accumulate(
                into: &first, policy: policy, masks: Array(m[..<split]),
                advantages: Array(advantages[..<split]), totalSamples: m.count)
            PolicyGradient.accumulate(
                into: &second, policy: policy, masks: Array(m[split...]),
                advantages: Array(advantages[split...]), totalSamples: m.count)
            var gradient = zip(first, second).map { $0 + $1 }
            PolicyGradient.addSparsityPenalty(into: &gradient, policy: policy, lambda: lambda)
            assertClose(gradient, want.gradient, 1e-12, "gradient at step \(step)")
            adam.update(&policy.logits, gradient: gradient)
            assertClose(policy.logits, want.theta, 1e-12, "theta after step \(step)")
        }
    }

    func assertClose(
        _ a: [Double], _ b: [Double], _ tolerance: Double, _ what: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(a.count, b.count, what, file: file, line: line)
        let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
        XCTAssertLessThanOrEqual(worst, tolerance, "\(what): max difference \(worst)", file: file, line: line)
    }

    func testFourStepsMatchTorchAdamOnTheSurrogate() {
        replay(reference.plain, lambda: 0, groups: nil, splitAt: 5)
    }

    func testTheSparsityPenaltyMatchesTorch() {
        replay(reference.penalty, lambda: 0.05, groups: nil, splitAt: 7)
    }

    func testMultiTaskStandardizesPerTaskThenOverTheBatch() {
        replay(reference.multitask, lambda: 0, groups: (0..<reference.samples).map { $0 % 3 }, splitAt: 1)
    }

    func testMasksDependOnlyOnSeedIterationAndSample() {
        let policy = BernoulliPolicy(logits: (0..<500).map { Double($0 % 9) - 4 })
        let a = policy.sampleMask(seed: 7, iteration: 3, sample: 11)
        XCTAssertEqual(a, policy.sampleMask(seed: 7, iteration: 3, sample: 11))
        XCTAssertNotEqual(a, policy.sampleMask(seed: 7, iteration: 3, sample: 12))
        XCTAssertNotEqual(a, policy.sampleMask(seed: 8, iteration: 3, sample: 11))
        XCTAssertNotEqual(a, policy.sampleMask(seed: 7, iteration: 4, sample: 11))
    }

    func testMaskFrequenciesFollowTheProbabilities() {
        let policy = BernoulliPolicy(logits: [-3, -1, 0, 1, 3])
        var on = [Double](repeating: 0, count: 5)
        let draws = 20_000
        for s in 0..<draws {
            for (v, bit) in policy.sampleMask(seed: 1, iteration: 0, sample: s).enumerated() where bit { on[v] += 1 }
        }
        for v in 0..<5 {
            let p = policy.probability(v), freq = on[v] / Double(draws)
            // 5 binomial standard deviations: fails only if the generator is biased.
            XCTAssertEqual(freq, p, accuracy: 5 * (p * (1 - p) / Double(draws)).squareRoot(), "variable \(v)")
        }
    }
}
