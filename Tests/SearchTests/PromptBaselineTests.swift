import Search
import XCTest

/// The prompt baseline (`vtv search --baseline prompt`): advantages standardized among the samples
/// of each training prompt before the batch, so a prompt's difficulty cannot pass for a mask's merit.
final class PromptBaselineTests: XCTestCase {
    /// 40 samples on 4 prompts (sample s on prompt s mod 4, as the search assigns them).
    let prompts = (0..<40).map { $0 % 4 }
    /// What each mask does, independent of the prompt.
    let effects = (0..<40).map { sin(1.7 * Double($0)) * 0.1 }

    func testAPromptsOffsetAndScaleDoNotChangeTheAdvantages() {
        let offsets = [0.0, 5, -3, 10], scales = [1.0, 2, 0.5, 3]
        let plain = effects
        let shifted = effects.indices.map { effects[$0] * scales[prompts[$0]] + offsets[prompts[$0]] }
        let a = PolicyGradient.advantages(losses: plain, groups: prompts)
        let b = PolicyGradient.advantages(losses: shifted, groups: prompts)
        // Equal up to the 1e-6 guard added to each standard deviation (relative 1e-6 / 0.07 here).
        XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max()!, 1e-4)
        // Without the grouping the offsets dominate: the advantages mostly rank the prompts.
        let batch = PolicyGradient.advantages(losses: shifted, groups: nil)
        XCTAssertGreaterThan(zip(a, batch).map { abs($0 - $1) }.max()!, 0.5)
    }

    /// One variable lowers the loss by 0.05 when on; prompts differ by whole units. On the same
    /// masks the prompt baseline's gradient points the right way for that variable, well above the
    /// gradients of the five irrelevant variables; under the batch baseline the prompts' offsets
    /// drown it (signal-to-noise below 1 here).
    func testTheGradientFollowsTheMaskNotThePrompt() {
        let policy = BernoulliPolicy(variables: 6, initialLogit: 0)
        let masks = (0..<320).map { policy.sampleMask(seed: 3, iteration: 0, sample: $0) }
        let groups = (0..<320).map { $0 % 10 }
        let losses = (0..<320).map { s in Double(groups[s]) - (masks[s][0] ? 0.05 : 0) }
        func gradient(_ groups: [Int]?) -> [Double] {
            var g = [Double](repeating: 0, count: 6)
            PolicyGradient.accumulate(
                into: &g, policy: policy, masks: masks,
                advantages: PolicyGradient.advantages(losses: losses, groups: groups), totalSamples: 320)
            return g
        }
        let perPrompt = gradient(groups), batch = gradient(nil)
        // Descending the gradient must raise variable 0's logit: a negative gradient.
        XCTAssertLessThan(perPrompt[0], 0)
        let signalToNoise = { (g: [Double]) in abs(g[0]) / g[1...].map(abs).max()! }
        XCTAssertGreaterThan(signalToNoise(perPrompt), 3, "prompt baseline: \(perPrompt)")
        XCTAssertGreaterThan(
            signalToNoise(perPrompt), 5 * signalToNoise(batch), "batch \(batch) vs prompt \(perPrompt)")
    }
}
