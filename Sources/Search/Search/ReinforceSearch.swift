import Distributed
import Foundation
import Model

/// REINFORCE over patch masks (docs/paper.md#reinforce), spread over MPI ranks.
///
/// Each iteration draws `samplesPerIteration` masks; sample s's mask comes from the counter-based
/// stream keyed by (seed, iteration, s), so every rank can draw any mask and none is sent. The
/// samples are cut into fixed chunks of `batchSize` (`WorkChunks`), each always evaluated as one
/// batched forward pass; rank r evaluates a contiguous block of chunks, sized in proportion to
/// the ranks' measured speeds (`RankSpeeds`), so a slower rank gets less work. The losses are
/// all-gathered (float64, in sample order, N numbers), so every rank computes the same advantages;
/// each rank then draws only its own samples' masks and adds their terms of the policy gradient in
/// exact fixed point (`FixedPointGradient`), one integer all-reduce sums them, and every rank applies
/// the same Adam step. Integer sums do not depend on which rank added what, so the policy is
/// bit-identical for any number of ranks and any split, a run resumed on another number of ranks
/// continues exactly, and the work per rank beyond its forward passes falls with the rank count.
/// With `--adaptive-samples` the iteration's sample count comes from the held-out checks every rank
/// holds (`AdaptiveSamples`); with `--reuse` the last iterations' samples join the sum with importance
/// weights every rank computes alike (`SampleReuse`), their losses and logits kept in the state (and
/// the checkpoint), their masks drawn again, each rank adding every ranks-th of them.
public final class ReinforceSearch {
    public let settings: SearchSettings
    public let evaluator: RewardEvaluator
    /// Training prompts per task: train[task][i], each task with `settings.trainPrompts` prompts.
    public let train: [[SearchPrompt]]
    /// Held-out prompts for the periodic evaluations (all tasks), this rank's share of them built.
    public let heldOut: HeldOutPrompts
    /// The variables the policy covers (all, or one stack's), in the full numbering.
    public let searched: [Int]
    private let world: Communicator
    /// Every rank's samples in the last iteration (contiguous, in rank order).
    public private(set) var lastShares: [Range<Int>] = []
    /// Called on this rank with the number of samples it just evaluated, inside the timed
    /// compute of an iteration (fault injection uses it to simulate a slower rank).
    public var afterEvaluating: ((Int) -> Void)?
    /// Called on this rank after each iteration's update and evaluation, before `run`'s `report`,
    /// with the iterations done (fault injection uses it to crash or signal a rank there).
    public var afterIteration: ((Int) -> Void)?

    public init(
        settings: SearchSettings, evaluator: RewardEvaluator, train: [[SearchPrompt]], heldOut: HeldOutPrompts,
        world: Communicator
    ) {
        precondition(
            heldOut.isEmpty
                || heldOut.share
                    == HeldOutPrompts.share(
                        count: heldOut.tasks.count, batchSize: evaluator.batchSize, rank: world.rank, of: world.size),
            "the held-out prompts must be built for this rank's share")
        self.settings = settings
        self.evaluator = evaluator
        self.train = train
        self.heldOut = heldOut
        self.world = world
        searched = Self.searchedVariables(evaluator.space, stacks: settings.stacks)
    }

    /// The variables a search of `stacks` covers, in the full numbering of `space`, ascending.
    public static func searchedVariables(_ space: PatchVariables, stacks: SearchSettings.Stacks) -> [Int] {
        (0..<space.count).filter { v in
            switch stacks {
            case .both: return true
            case .encoder: return space.decode(v).stack == .encoder
            case .decoder: return space.decode(v).stack == .decoder
            }
        }
    }

    /// A fresh state for this search: every logit at the initial logit, those of the settings'
    /// `startVariables` at `startLogit`.
    public func initialState() -> SearchState {
        var state = SearchState(variables: searched.count, settings: settings)
        let start = Set(settings.startVariables)
        for (j, v) in searched.enumerated() where start.contains(v) { state.policy.logits[j] = settings.startLogit }
        return state
    }

    /// A policy mask expanded to the full variable numbering.
    public func fullMask(_ mask: [Bool]) -> [Bool] {
        var full = [Bool](repeating: false, count: evaluator.space.count)
        for (j, v) in searched.enumerated() where mask[j] { full[v] = true }
        return full
    }

    /// Probabilities in the full numbering (0 for variables outside the searched stack).
    public func fullProbabilities(_ policy: BernoulliPolicy) -> [Double] {
        var full = [Double](repeating: 0, count: evaluator.space.count)
        for (j, v) in searched.enumerated() { full[v] = policy.probability(j) }
        return full
    }

    /// The training prompt and task group of sample `s`: tasks take turns, prompts cycle
    /// (single task: prompt s mod trainPrompts, as published).
    func assignment(_ s: Int) -> (prompt: SearchPrompt, group: Int) {
        let task = s % train.count
        let prompts = train[task]
        return (prompts[(s / train.count) % prompts.count], task)
    }

    /// The groups whose losses are standardized separately before the whole batch
    /// (`PolicyGradient.advantages`): the task of each sample in multi-task mode, the (task, training
    /// prompt) pair with the prompt baseline, none for the paper's single-task search.
    func advantageGroups(samples n: Int) -> [Int]? {
        switch settings.baseline {
        case .batch:
            return train.count > 1 ? (0..<n).map { $0 % train.count } : nil
        case .prompt, .leaveOneOut:
            let stride = train.map(\.count).max() ?? 1
            return (0..<n).map { s in
                let task = s % train.count
                return task * stride + (s / train.count) % train[task].count
            }
        }
    }

    /// The advantages of an iteration's losses (every sample, in sample order) under the settings' baseline.
    func advantages(losses: [Double], groups: [Int]?) -> [Double] {
        settings.baseline == .leaveOneOut
            ? PolicyGradient.leaveOneOutAdvantages(losses: losses, groups: groups)
            : PolicyGradient.advantages(losses: losses, groups: groups)
    }

    /// The recent samples that enter iteration `iteration`'s gradient (`SampleReuse`): those of
    /// `state.recent` scored with this iteration's reward. advantages: w_j a_j for every reused sample,
    /// oldest iteration first, in sample order (the same on every rank); masks: this rank's share of
    /// them (reused sample j goes to rank j mod ranks; the integer sums do not depend on the split), by
    /// j. Every rank draws every reused mask again from the policy that drew it, for the weights.
    func reusedSamples(_ state: SearchState, iteration: Int) -> (
        advantages: [Double], masks: [(Int, [Bool])], effectiveSamples: Double
    ) {
        let reward = settings.reward(atIteration: iteration)
        let batches = state.recent.filter { settings.reward(atIteration: $0.iteration) == reward }
        guard !batches.isEmpty else { return ([], [], 0) }
        let reused = SampleReuse.weightedSamples(
            batches, logits: state.policy.logits, seed: settings.seed, antithetic: settings.antithetic,
            advantages: { advantages(losses: $0, groups: advantageGroups(samples: $0.count)) })
        let masks = reused.masks.enumerated().filter { $0.offset % world.size == world.rank }.map {
            ($0.offset, $0.element)
        }
        return (reused.advantages, masks, reused.effectiveSamples)
    }

    /// Whether `--stop-on-plateau` ends the search (`SearchSettings.plateaued`). Every rank holds the
    /// same evaluations, so every rank stops at the same iteration, and a resumed search stops where
    /// the uninterrupted one did.
    public func plateaued(_ state: SearchState) -> Bool {
        settings.plateaued(evaluations: state.evaluations, bestIteration: state.bestIteration)
    }

    public enum Outcome: Equatable { case finished, interrupted }

    /// Runs iterations from `state.iteration` to `settings.iterations` (or until `plateaued`), calling
    /// `checkpoint` every `checkpointEvery` iterations, at the end, and when `stopRequested` becomes true on
    /// any rank (after which it returns `.interrupted`). `report` sees each finished iteration (on every rank).
    public func run(
        _ state: inout SearchState, checkpointEvery: Int, checkpoint: (SearchState) throws -> Void,
        stopRequested: () -> Bool, report: (IterationRecord, SearchState) -> Void
    ) throws -> Outcome {
        var speeds = RankSpeeds(ranks: world.size)
        var cpuMark = ProcessCPUTime.seconds()
        while state.iteration < settings.iterations && !plateaued(state) {
            let started = Date()
            let iteration = state.iteration
            let n = settings.samples(after: state.evaluations)
            let chunks = WorkChunks(count: n, size: evaluator.batchSize)
            let groups = advantageGroups(samples: n)
            let drawnLogits = state.policy.logits
            let shares = chunks.shares(weights: speeds.weights)
            let mine = shares[world.rank]
            let probabilities = state.policy.probabilities
            let masks = mine.map {
                state.policy.sampleMask(
                    seed: settings.seed, iteration: iteration, sample: $0, probabilities: probabilities,
                    antithetic: settings.antithetic)
            }
            let items = zip(mine, masks).map { (prompt: assignment($0).prompt, mask: fullMask($1)) }
            let computeStart = Date()
            let localLosses = try evaluator.losses(items, reward: settings.reward(atIteration: iteration))
            afterEvaluating?(items.count)
            let computeSeconds = Date().timeIntervalSince(computeStart)

            let communicationStart = Date()
            let losses = try world.allgather(localLosses)
            let computeTimes = try world.allgather(computeSeconds)
            let communication = Date().timeIntervalSince(communicationStart)
            speeds.record(samples: shares.map(\.count), seconds: computeTimes)
            lastShares = shares
            if let bad = losses.firstIndex(where: { !$0.isFinite }) {
                throw SearchInputError.invalid(
                    "iteration \(iteration): the loss of sample \(bad) is \(losses[bad]); "
                        + "the policy cannot be updated (check the model and prompts for damage)")
            }
            var weighted = advantages(losses: losses, groups: groups)
            let reused = reusedSamples(state, iteration: iteration)
            weighted += reused.advantages
            var terms = FixedPointGradient(variables: state.policy.count, advantages: weighted)
            for (s, mask) in zip(mine, masks) { terms.add(sample: s, mask: mask) }
            for (j, mask) in reused.masks { terms.add(sample: n + j, mask: mask) }
            var sums = terms.sums
            var onCount = [masks.reduce(0) { $0 + $1.filter { $0 }.count }]
            try world.allreduce(&sums, .sum)
            try world.allreduce(&onCount, .sum)
            var gradient = terms.gradient(
                totalSums: sums, probabilities: probabilities, totalSamples: weighted.count)
            PolicyGradient.addSparsityPenalty(into: &gradient, policy: state.policy, lambda: settings.sparsityPenalty)
            state.adam.update(&state.policy.logits, gradient: gradient)
            state.iteration += 1
            if settings.reuse > 0 {
                state.recent.append(RecentBatch(iteration: iteration, logits: drawnLogits, losses: losses))
                state.recent.removeFirst(max(0, state.recent.count - settings.reuse))
            }

            let onCounts = Double(onCount[0])
            let mean = losses.reduce(0, +) / Double(n)
            let std = (losses.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(1, n - 1))).squareRoot()
            let seconds = Date().timeIntervalSince(started)
            let record = IterationRecord(
                iteration: iteration, lossMean: mean, lossStd: std, patchedMean: onCounts / Double(n),
                expectedPatched: state.policy.probabilities.reduce(0, +), seconds: seconds,
                samplesPerSecond: Double(n) / seconds, communicationSeconds: communication,
                samples: settings.adaptiveMinimum > 0 ? n : nil,
                reusedEffectiveSamples: settings.reuse > 0 ? reused.effectiveSamples : nil)
            state.history.append(record)
            // No held-out checks during the token warm-up: they score with the pixel reward, and the best
            // policy is chosen among the policies the pixel reward trained.
            let evaluated =
                (state.iteration % settings.evalEvery == 0 && state.iteration > settings.tokenWarmup)
                || state.iteration == settings.iterations
            if evaluated { try evaluate(&state) }
            // Every rank's CPU time of this iteration and its evaluation, summed in rank order.
            let cpuNow = ProcessCPUTime.seconds()
            state.cpuSeconds += try world.allgather(cpuNow - cpuMark).reduce(0, +)
            cpuMark = cpuNow
            state.history[state.history.count - 1].cpuSeconds = state.cpuSeconds
            if evaluated { state.evaluations[state.evaluations.count - 1].cpuSeconds = state.cpuSeconds }
            afterIteration?(state.iteration)
            report(state.history[state.history.count - 1], state)
            let stop = try world.allreduce(stopRequested() ? 1 : 0, .max) == 1
            if stop || state.iteration % checkpointEvery == 0 || state.iteration == settings.iterations
                || plateaued(state)
            {
                try checkpoint(state)
            }
            if stop && state.iteration < settings.iterations && !plateaued(state) { return .interrupted }
        }
        return .finished
    }

    /// Scores the current policy's check mask on the held-out prompts (shared across ranks) and keeps
    /// the policy if it is the best so far: one mask drawn from it (`--check sample`, published) or its
    /// variables with p > 0.5 (`--check threshold`).
    func evaluate(_ state: inout SearchState) throws {
        let mask: [Bool]
        switch settings.check {
        case .sample:
            mask = state.policy.sampleMask(seed: settings.seed ^ 0x5EED_E7A1, iteration: state.iteration, sample: 0)
        case .threshold:
            mask = FinalSelection.threshold.mask(probabilities: state.policy.probabilities)
        }
        let full = fullMask(mask)
        let loss = try heldOutLoss(full, reward: settings.reward)
        state.evaluations.append(
            EvaluationRecord(iteration: state.iteration, loss: loss, patched: full.filter { $0 }.count))
        if loss < state.bestLoss {
            state.bestLoss = loss
            state.bestIteration = state.iteration
            state.bestLogits = state.policy.logits
            state.bestMask = mask
        }
    }

    /// The loss of one mask (full numbering) on the held-out prompts (the training prompts when
    /// there are none), evaluated across ranks. Tasks score on different scales (IoU, MSE), so
    /// losses are averaged within each task, then over tasks.
    public func heldOutLoss(_ mask: [Bool], reward: SearchSettings.Reward) throws -> Double {
        let prompts: HeldOutPrompts
        if heldOut.isEmpty {
            let all = train.flatMap { $0 }
            let mine = HeldOutPrompts.share(
                count: all.count, batchSize: evaluator.batchSize, rank: world.rank, of: world.size)
            prompts = HeldOutPrompts(tasks: all.map(\.task), share: mine, local: Array(all[mine]))
        } else {
            prompts = heldOut
        }
        let local = try evaluator.losses(prompts.local.map { (prompt: $0, mask: mask) }, reward: reward)
        let losses = try world.allgather(local)
        // Summed in task order: a dictionary's order changes from process to process, and with three
        // or more tasks a different order of float additions could round differently on each rank.
        let byTask = Dictionary(grouping: zip(prompts.tasks, losses), by: { $0.0 })
        let taskMeans = byTask.keys.sorted().map { task in
            byTask[task]!.reduce(0) { $0 + $1.1 } / Double(byTask[task]!.count)
        }
        return taskMeans.reduce(0, +) / Double(taskMeans.count)
    }
}
