import Model

/// Everything that defines a search, with the published defaults (docs/paper.md#reinforce).
/// Two runs with equal settings, model and prompts produce the same policy on any number of ranks.
public struct SearchSettings: Equatable, Codable {
    public enum Reward: String, Codable, CaseIterable {
        /// The paper: decode the prediction with the VQGAN, -IoU or MSE on the query quadrant.
        case pixel
        /// Cross-entropy of the predicted logits against the VQGAN tokens of the target's quadrant:
        /// skips the VQGAN decoder (the paper's suggested next step).
        case tokens
    }

    /// Which heads may be patched.
    public enum Stacks: String, Codable, CaseIterable { case both, encoder, decoder }

    /// What a sample's loss is compared with when it becomes an advantage.
    public enum Baseline: String, Codable, CaseIterable {
        /// The paper: standardized over all samples of the iteration (per task first in multi-task mode).
        case batch
        /// Standardized first among the samples that share a training prompt, then over the batch:
        /// how hard a prompt is no longer reads as how good a mask is (a variance reduction, not in
        /// the paper; the expected gradient direction per prompt is unchanged).
        case prompt
    }

    public var granularity = 1
    public var initialLogit = -1.0
    public var learningRate = 0.1
    public var iterations = 500
    public var samplesPerIteration = 320
    public var trainPrompts = 10
    /// Held-out prompts per task for the periodic evaluation: the published search scores prompts
    /// 10...499 of the training set, 490 after its 10 training prompts (fewer when the prompts run out).
    public var evalPrompts = 490
    public var evalEvery = 50
    public var sparsityPenalty = 0.0
    public var reward = Reward.pixel
    public var stacks = Stacks.both
    public var baseline = Baseline.batch
    public var seed: UInt64 = 0
    /// Samples per forward pass on one rank (does not change results).
    public var batchSize = 8

    public init() {}

    public var patchGranularity: PatchVariables.Granularity { PatchVariables.Granularity(rawValue: granularity)! }

    /// Problems with the settings, for a usage error.
    public var problems: [String] {
        var p: [String] = []
        if PatchVariables.Granularity(rawValue: granularity) == nil { p.append("granularity must be 0, 1 or 2") }
        if iterations < 1 { p.append("iterations must be at least 1") }
        if samplesPerIteration < 2 { p.append("at least 2 samples per iteration are needed to standardize rewards") }
        if trainPrompts < 1 { p.append("at least one training prompt is needed") }
        // Without held-out prompts the best policy would be chosen on the training prompts.
        if evalPrompts < 1 { p.append("at least one held-out prompt is needed") }
        if evalEvery < 1 { p.append("eval-every must be at least 1") }
        if batchSize < 1 { p.append("batch must be at least 1") }
        // `!(x > 0)` also catches nan, which every comparison fails.
        if !(learningRate > 0) || !learningRate.isFinite { p.append("learning rate must be a positive finite number") }
        if !initialLogit.isFinite { p.append("the initial logit must be a finite number") }
        if !(sparsityPenalty >= 0) || !sparsityPenalty.isFinite {
            p.append("the sparsity penalty must be a finite number >= 0")
        }
        if baseline == .prompt && samplesPerIteration < 2 * trainPrompts {
            p.append("the prompt baseline needs at least 2 samples per training prompt (samples >= 2 x train prompts)")
        }
        return p
    }

    /// The settings that must match for a checkpoint to be resumed (everything but the batch size
    /// and the iteration count, which may be extended).
    public func resumeKey() -> String {
        var s = self
        s.batchSize = 0
        s.iterations = 0
        return
            "g\(s.granularity) init\(s.initialLogit) lr\(s.learningRate) n\(s.samplesPerIteration) train\(s.trainPrompts) "
            + "eval\(s.evalPrompts)/\(s.evalEvery) l\(s.sparsityPenalty) \(s.reward.rawValue) \(s.stacks.rawValue) seed\(s.seed)"
            // Named only when not the published default, so checkpoints written before it existed still resume.
            + (s.baseline == .batch ? "" : " baseline-\(s.baseline.rawValue)")
    }
}
