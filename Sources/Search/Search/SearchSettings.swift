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
        /// Each sample's loss minus the mean of the other samples' losses of its training prompt (the
        /// prompt baseline's groups), the differences standardized over the batch by one shared scale:
        /// unbiased (a sample's own loss is not in its baseline), and the prompts keep their spread
        /// (not in the paper).
        case leaveOneOut = "leave-one-out"
    }

    /// What a held-out check scores of the current policy (`--check`).
    public enum HeldOutCheck: String, Codable, CaseIterable {
        /// One Bernoulli mask drawn from the policy (the paper).
        case sample
        /// The variables with p > 0.5: the set `--final threshold` writes, so the best policy is
        /// chosen on the set that would be shipped (deterministic; not in the paper).
        case threshold
    }

    /// A named bundle of settings (`vtv search --recipe`), recorded in the task-vectors file's origin.
    public enum Recipe: String, Codable, CaseIterable {
        /// The published procedure (every default as documented).
        case paper
        /// docs/search-efficiency.md: the levers that reach the paper procedure's held-out loss with
        /// less compute on the embedded model.
        case fast
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
    /// The arithmetic of the MAE's Linear layers in every forward pass of the search (`--precision`):
    /// fp32, the default, or bf16 (AVX512_BF16 only; docs/search-efficiency.md, "bf16").
    public var precision = LinearPrecision.fp32
    public var seed: UInt64 = 0
    /// Samples per forward pass on one rank (does not change results).
    public var batchSize = 8
    /// Antithetic masks: sample 2k+1 draws from 1 - u where sample 2k draws from u, so the two
    /// masks of a pair are negatively correlated (not in the paper).
    public var antithetic = false
    /// Iterations 0 ..< tokenWarmup use the token reward (no VQGAN decode), the later ones `reward`;
    /// held-out evaluations use `reward` and start after the warm-up (not in the paper).
    public var tokenWarmup = 0
    /// Stop once this many held-out evaluations in a row have not improved the best loss (0: never).
    public var stopOnPlateau = 0
    /// The recipe the settings came from (a label; the settings themselves define the search).
    public var recipe = Recipe.paper
    /// The samples of this many preceding iterations (scored with the same reward) also enter each
    /// iteration's gradient, importance-weighted (`SampleReuse`; 0: none, as published).
    public var reuse = 0
    /// Adaptive samples per iteration (`AdaptiveSamples`): 0 (off): every iteration draws
    /// `samplesPerIteration`; otherwise the search starts at this many and grows to `samplesPerIteration`.
    public var adaptiveMinimum = 0
    /// What each held-out check scores: a sampled mask (published) or the policy's p > 0.5 set.
    public var check = HeldOutCheck.sample
    /// Variables (full numbering, ascending) whose logits start at `startLogit` instead of
    /// `initialLogit` (`SearchStart`: the top of a taskness ranking; empty, as published: none).
    public var startVariables: [Int] = []
    /// The starting logit of `startVariables`.
    public var startLogit = 1.0

    public init() {}

    /// The reward of iteration `iteration`'s samples.
    public func reward(atIteration iteration: Int) -> Reward { iteration < tokenWarmup ? .tokens : reward }

    /// The samples of the next iteration after the held-out checks `evaluations`: `samplesPerIteration`,
    /// or with adaptive samples the count `AdaptiveSamples` gives from the periodic checks (every
    /// `evalEvery` iterations). The check at the last iteration is left out when it is not one of them:
    /// it depends on --iterations, so a search continued with more iterations would count a check
    /// the uninterrupted one never made.
    public func samples(after evaluations: [EvaluationRecord]) -> Int {
        adaptiveMinimum == 0
            ? samplesPerIteration
            : AdaptiveSamples.samples(
                minimum: adaptiveMinimum, maximum: samplesPerIteration,
                evaluations: evaluations.filter { $0.iteration % evalEvery == 0 })
    }

    /// Whether `--stop-on-plateau` ends a search with these held-out checks: `stopOnPlateau` periodic
    /// checks (at multiples of `evalEvery`) in a row after the best one. The extra check at a run's
    /// last iteration does not count, as for `--adaptive-samples`: a run resumed with more
    /// `--iterations` makes no check there, so counting it would stop the two runs differently.
    public func plateaued(evaluations: [EvaluationRecord], bestIteration: Int) -> Bool {
        guard stopOnPlateau > 0 else { return false }
        let since = evaluations.filter { $0.iteration > bestIteration && $0.iteration % evalEvery == 0 }
        return since.count >= stopOnPlateau
    }

    /// The fewest samples an iteration may draw.
    public var fewestSamples: Int { adaptiveMinimum == 0 ? samplesPerIteration : adaptiveMinimum }

    /// The settings beyond the paper's, in words ("" when none is used), for logs and origins;
    /// `baseline`: whether a baseline other than the paper's is named.
    public func leverWords(baseline namesBaseline: Bool = true) -> String {
        var words: [String] = []
        if recipe != .paper { words.append("recipe \(recipe.rawValue)") }
        if namesBaseline && baseline != .batch { words.append("\(baseline.rawValue) baseline") }
        if precision != .fp32 { words.append("\(precision) Linear layers") }
        if antithetic { words.append("antithetic masks") }
        if tokenWarmup > 0 { words.append("token reward for the first \(tokenWarmup) iterations") }
        if stopOnPlateau > 0 { words.append("stop after \(stopOnPlateau) evaluations without improvement") }
        if reuse > 0 { words.append("samples of the last \(reuse) iterations reused by importance weight") }
        if check == .threshold { words.append("held-out checks score the p > 0.5 set") }
        if !startVariables.isEmpty {
            words.append("\(startVariables.count) highest-taskness variables start at logit \(startLogit)")
        }
        if adaptiveMinimum > 0 {
            words.append(
                "adaptive samples \(adaptiveMinimum) to \(samplesPerIteration) (doubled at each stalled check)")
        }
        return words.joined(separator: ", ")
    }

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
        if !startLogit.isFinite { p.append("the start logit must be a finite number") }
        if !(sparsityPenalty >= 0) || !sparsityPenalty.isFinite {
            p.append("the sparsity penalty must be a finite number >= 0")
        }
        if tokenWarmup < 0 { p.append("the token warm-up must be 0 or more iterations") }
        if stopOnPlateau < 0 { p.append("stop-on-plateau must be 0 (off) or more evaluations") }
        if reuse < 0 { p.append("reuse must be 0 (off) or more iterations") }
        if adaptiveMinimum != 0 && !(2...samplesPerIteration).contains(adaptiveMinimum) {
            p.append(
                "adaptive samples must start at 2 or more masks and at most the largest count (\(samplesPerIteration))")
        }
        if baseline != .batch && fewestSamples < 2 * trainPrompts {
            p.append(
                "the \(baseline.rawValue) baseline needs at least 2 samples per training prompt (samples >= 2 x train prompts)"
            )
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
            + (s.antithetic ? " antithetic" : "")
            + (s.tokenWarmup == 0 ? "" : " token-warmup\(s.tokenWarmup)")
            + (s.stopOnPlateau == 0 ? "" : " plateau\(s.stopOnPlateau)")
            + (s.reuse == 0 ? "" : " reuse\(s.reuse)")
            + (s.adaptiveMinimum == 0 ? "" : " adaptive\(s.adaptiveMinimum)")
            + (s.precision == .fp32 ? "" : " precision-\(s.precision)")
            + (s.check == .sample ? "" : " check-\(s.check.rawValue)")
            + (s.startVariables.isEmpty
                ? "" : " start\(s.startLogit):" + s.startVariables.map(String.init).joined(separator: ","))
    }
}

extension SearchSettings {
    enum CodingKeys: String, CodingKey {
        case granularity, initialLogit, learningRate, iterations, samplesPerIteration, trainPrompts, evalPrompts
        case evalEvery, sparsityPenalty, reward, stacks, baseline, seed, batchSize
        case antithetic, tokenWarmup, stopOnPlateau, recipe, reuse, adaptiveMinimum, precision, check
        case startVariables, startLogit
    }

    /// Reads reports written before a setting existed with that setting's default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init()
        granularity = try c.decode(Int.self, forKey: .granularity)
        initialLogit = try c.decode(Double.self, forKey: .initialLogit)
        learningRate = try c.decode(Double.self, forKey: .learningRate)
        iterations = try c.decode(Int.self, forKey: .iterations)
        samplesPerIteration = try c.decode(Int.self, forKey: .samplesPerIteration)
        trainPrompts = try c.decode(Int.self, forKey: .trainPrompts)
        evalPrompts = try c.decode(Int.self, forKey: .evalPrompts)
        evalEvery = try c.decode(Int.self, forKey: .evalEvery)
        sparsityPenalty = try c.decode(Double.self, forKey: .sparsityPenalty)
        reward = try c.decode(Reward.self, forKey: .reward)
        stacks = try c.decode(Stacks.self, forKey: .stacks)
        baseline = try c.decodeIfPresent(Baseline.self, forKey: .baseline) ?? .batch
        seed = try c.decode(UInt64.self, forKey: .seed)
        batchSize = try c.decode(Int.self, forKey: .batchSize)
        antithetic = try c.decodeIfPresent(Bool.self, forKey: .antithetic) ?? false
        tokenWarmup = try c.decodeIfPresent(Int.self, forKey: .tokenWarmup) ?? 0
        stopOnPlateau = try c.decodeIfPresent(Int.self, forKey: .stopOnPlateau) ?? 0
        recipe = try c.decodeIfPresent(Recipe.self, forKey: .recipe) ?? .paper
        reuse = try c.decodeIfPresent(Int.self, forKey: .reuse) ?? 0
        adaptiveMinimum = try c.decodeIfPresent(Int.self, forKey: .adaptiveMinimum) ?? 0
        precision = try c.decodeIfPresent(LinearPrecision.self, forKey: .precision) ?? .fp32
        check = try c.decodeIfPresent(HeldOutCheck.self, forKey: .check) ?? .sample
        startVariables = try c.decodeIfPresent([Int].self, forKey: .startVariables) ?? []
        startLogit = try c.decodeIfPresent(Double.self, forKey: .startLogit) ?? 1
    }
}
