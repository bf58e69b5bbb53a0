import Distributed
import Figures
import Foundation
import Imaging
import Model
import Outputs
import Prompts
import Search

/// One search, as `vtv search` parses it and as `vtv sweep` makes it once per run: the settings,
/// what it reads besides the model and prompts, and the files it writes.
public struct SearchJob {
    /// The model file.
    public var model: String
    /// The prompts: the first `settings.trainPrompts` train, the next `settings.evalPrompts` are held out.
    public var prompts: PromptInput
    public var settings: SearchSettings
    /// A --task value: one task, a comma-separated list (one policy for all), or "all".
    public var task: String
    public var activations: String
    /// Task vectors whose predictions replace the prompts' answers (`--planted`), if any.
    public var planted: String?
    /// How the best policy becomes the written variables; a sample is keyed by the mask seed.
    public var final: FinalSelection.Rule
    /// Where the policy starts besides the initial logit (`--scores --start-top`), if anywhere: resolved
    /// into the settings' `startVariables` once the model is known.
    public var start: SearchStart?
    public var checkpointEvery: Int
    public var resume: Bool
    public var outputs: SearchOutputs

    public init(
        model: String, prompts: PromptInput, settings: SearchSettings, task: String, activations: String,
        planted: String?, final: FinalSelection.Rule, start: SearchStart? = nil,
        checkpointEvery: Int, resume: Bool, outputs: SearchOutputs
    ) {
        self.model = model
        self.prompts = prompts
        self.settings = settings
        self.task = task
        self.activations = activations
        self.planted = planted
        self.final = final
        self.start = start
        self.checkpointEvery = checkpointEvery
        self.resume = resume
        self.outputs = outputs
    }
}

/// How a search speaks. `vtv search` prints its log lines and a progress bar on rank 0; in a sweep
/// the runs stay silent and world rank 0 prints one line for all of them (`afterIteration`).
public struct SearchVoice {
    public var speaks: Bool
    /// Called on every rank of the search after each iteration, with the iterations done.
    public var afterIteration: (Int) -> Void = { _ in }

    public static let command = SearchVoice(speaks: true)
}

/// What a search came to, on every rank of its communicator.
public struct SearchRunResult {
    /// False when a signal stopped it (its checkpoint holds the last iteration).
    public var finished: Bool
    public var iteration: Int
    public var bestIteration: Int
    public var bestLoss: Double
    /// The variables taken from the best policy by `finalSelection`.
    public var variables: [Int]
    public var finalSelection: FinalSelection
    /// The chosen variables' held-out loss under each reward ("pixel", "tokens").
    public var finalLosses: [String: Double]
    /// The files written (task vectors and plots; the JSON report besides).
    public var outputs: SearchOutputs
}

/// The search stage (`vtv search`), on every rank of `world`: loads the model and runs `job`
/// (below). Rank 0 writes the checkpoints and the outputs (`job.outputs`). A signal (SIGTERM,
/// SIGINT) stops it at its next iteration with its checkpoint written: `finished` is then false.
public func runSearch(_ job: SearchJob, world: Communicator) throws -> SearchRunResult {
    let model = try LoadedModel(
        path: job.model, parts: .all, sharing: try .forStage(world), precision: job.settings.precision)
    return try search(job, model: model, communicator: world)
}

/// Runs `job` on the ranks of `communicator`, every one of which must call this with the same
/// arguments: REINFORCE over which head outputs of `model` to patch, on the prompts `job.prompts`
/// opens for the searched tasks (given the tasks and the model's canvas size). Rank 0 of
/// `communicator` writes the checkpoints and the outputs. The result depends on the job alone,
/// not on the communicator's size (`ReinforceSearch`), so a search in a sweep's group writes
/// what it would write alone.
func search(
    _ job: SearchJob, model: LoadedModel, communicator: Communicator, voice: SearchVoice = .command
) throws -> SearchRunResult {
    var settings = job.settings
    func log(_ message: @autoclosure () -> String) { if voice.speaks { communicator.log(message()) } }
    let activations = try ActivationsFile(path: job.activations)
    guard activations.modelHash == model.hash else {
        throw SearchInputError.modelMismatch(
            file: job.activations, kind: .activations, found: activations.modelHash,
            expected: model.hash)
    }
    let tasks: [PromptTask] =
        try job.task == "all"
        ? activations.taskNames.compactMap(PromptTask.init(rawValue:))
        : PromptTask.parseList(job.task)
    for task in tasks { _ = try activations.statistics(task.rawValue, file: job.activations) }

    let selection = try job.prompts.open(tasks, model.configuration.imageSize)
    try model.checkCanvas(selection)
    let needed = settings.trainPrompts + settings.evalPrompts
    guard selection.indices.count >= settings.trainPrompts else {
        throw UsageError(
            "the prompts hold \(selection.indices.count) prompt(s); --train-prompts needs \(settings.trainPrompts)")
    }
    let trainIndices = Array(selection.indices.prefix(settings.trainPrompts))
    let heldOutIndices = Array(selection.indices.dropFirst(settings.trainPrompts).prefix(settings.evalPrompts))
    guard !heldOutIndices.isEmpty else {
        throw UsageError(
            "the prompts hold \(selection.indices.count) prompt(s), all of them training prompts (--train-prompts "
                + "\(settings.trainPrompts)); the held-out evaluation needs at least one more: give more prompts or "
                + "lower --train-prompts")
    }
    if selection.indices.count < needed {
        log(
            "search: note: only \(heldOutIndices.count) held-out prompt(s) after the \(settings.trainPrompts) training ones "
                + "(--eval-prompts \(settings.evalPrompts))")
    }
    try searchMemoryBudget(
        settings, configuration: model.configuration,
        variables: PatchVariables(configuration: model.configuration, granularity: settings.patchGranularity).count,
        trainPrompts: trainIndices.count, heldOutPrompts: heldOutIndices.count, tasks: tasks.count
    )
    .check(limit: try MemoryBudget.agreedLimit(communicator))

    let mae = try model.mae()
    let space = PatchVariables(configuration: model.configuration, granularity: settings.patchGranularity)
    if let start = job.start {
        settings.startVariables = try start.variables(
            modelHash: model.hash, granularity: settings.patchGranularity,
            searched: ReinforceSearch.searchedVariables(space, stacks: settings.stacks))
        settings.startLogit = start.logit
    }
    // The decoder is needed for the pixel reward, and to report the final mask under both rewards.
    let decoder = try model.vqganDecoder()
    let evaluator = RewardEvaluator(model: mae, decoder: decoder, space: space, batchSize: settings.batchSize)
    let builder = SearchPromptBuilder(
        configuration: model.configuration,
        encoder: try model.vqganEncoder(),
        evaluator: evaluator)
    var train: [[SearchPrompt]] = []
    // Held-out prompts are numbered task by task; this rank builds only those it scores.
    let heldOutTasks = tasks.indices.flatMap { t in [Int](repeating: t, count: heldOutIndices.count) }
    let heldOutShare = HeldOutPrompts.share(
        count: heldOutTasks.count, batchSize: evaluator.batchSize,
        rank: communicator.rank, of: communicator.size)
    var heldOutLocal: [SearchPrompt] = []
    var means: [HeadOutputs] = []
    var meansFrom: [PromptProvenance] = []
    for (t, task) in tasks.enumerated() {
        let statistics = try activations.statistics(task.rawValue)
        let taskMeans = statistics.means(configuration: model.configuration)
        means.append(taskMeans)
        meansFrom.append(statistics.provenance)
        func build(_ indices: [Int]) throws -> [SearchPrompt] {
            try builder.prompts(
                canvases: indices.map { try selection.source.canvas($0, task: task) },
                names: indices.map { promptName(selection.source, $0) }, task: task, taskIndex: t,
                means: taskMeans)
        }
        train.append(try build(trainIndices))
        let first = t * heldOutIndices.count
        let mine = heldOutShare.clamped(to: first..<first + heldOutIndices.count)
        heldOutLocal += try build(Array(heldOutIndices[(mine.lowerBound - first)..<(mine.upperBound - first)]))
    }
    var heldOut = HeldOutPrompts(tasks: heldOutTasks, share: heldOutShare, local: heldOutLocal)

    var plantedLoss: Double?
    if let planted = job.planted {
        let vectors = try TaskVectors(path: planted, expectedModelHash: model.hash)
        let patches = vectors.patchSet()
        train = try train.map { try builder.retargeted($0, patches: patches, model: mae, decoder: decoder) }
        heldOut.local = try builder.retargeted(heldOut.local, patches: patches, model: mae, decoder: decoder)
        log("search: planted targets from \(planted) (\(vectors.variables.count) variables: \(vectors.variables))")
        var plantedMask = [Bool](repeating: false, count: space.count)
        for v in vectors.variables where v < space.count { plantedMask[v] = true }
        let loss = try ReinforceSearch(
            settings: settings, evaluator: evaluator, train: train, heldOut: heldOut, world: communicator
        )
        .heldOutLoss(plantedMask, reward: settings.reward)
        plantedLoss = loss
        log("search: the planted mask's held-out loss is \(loss)")
    }

    let search = ReinforceSearch(
        settings: settings, evaluator: evaluator, train: train, heldOut: heldOut, world: communicator)
    FaultInjection.install(in: search)
    let taskNames = tasks.map(\.rawValue)
    let checkpointPath = job.outputs.checkpoint
    var state = search.initialState()
    if job.resume {
        guard FileManager.default.fileExists(atPath: checkpointPath) else {
            throw UsageError("--resume: no checkpoint at \(checkpointPath)")
        }
        state = try SearchCheckpoint.read(
            checkpointPath, settings: settings, modelHash: model.hash, tasks: taskNames,
            variables: search.searched.count)
        // The loop would not run and the checkpoint's best policy, perhaps found after --iterations, would be written.
        guard state.iteration <= settings.iterations else {
            throw UsageError(
                "--resume: \(checkpointPath) has already run \(state.iteration) iterations, more than --iterations "
                    + "\(settings.iterations); give --iterations \(state.iteration) or more to continue it "
                    + "(exactly \(state.iteration) writes its results as they are)")
        }
        log("search: resuming from \(checkpointPath) after iteration \(state.iteration)")
    }
    let ranks = communicator.size
    let masks = (settings.adaptiveMinimum > 0 ? "\(settings.adaptiveMinimum)-" : "") + "\(settings.samplesPerIteration)"
    log(
        "search: \(taskNames.joined(separator: ",")), \(search.searched.count) of \(space.count) variables "
            + "(granularity \(settings.granularity), \(settings.stacks.rawValue)), \(masks) masks x "
            + "\(settings.iterations) iterations in batches of \(settings.batchSize), \(settings.reward.rawValue) reward, "
            + "\(settings.baseline.rawValue) baseline, \(ranks) rank(s)"
            + (settings.leverWords(baseline: false).isEmpty ? "" : "; \(settings.leverWords(baseline: false))"))
    let chunks = WorkChunks(count: settings.samplesPerIteration, size: settings.batchSize).chunks
    if chunks < ranks {
        let remedy =
            settings.samplesPerIteration < ranks
            ? "raise --samples to at least \(ranks)"
            : "use --batch \(settings.samplesPerIteration / ranks) or fewer, or --batch auto"
        log(
            "search: warning: \(settings.samplesPerIteration) masks in batches of \(settings.batchSize) make \(chunks) "
                + "batches, so only \(chunks) of \(ranks) ranks get work; \(remedy) (cluster/README.md, \"Sizing a search\")"
        )
    }

    StopSignal.install()
    let progress =
        voice.speaks ? ProgressReporter("search", total: settings.iterations, communicator: communicator) : nil
    let outcome = try search.run(
        &state, checkpointEvery: job.checkpointEvery,
        checkpoint: { s in
            if communicator.isRoot {
                try SearchCheckpoint.write(
                    s, settings: settings, modelHash: model.hash, tasks: taskNames, to: checkpointPath)
            }
        },
        stopRequested: { StopSignal.received },
        report: { record, s in
            voice.afterIteration(s.iteration)
            guard let progress else { return }
            let batches = search.lastShares.map { String(($0.count + settings.batchSize - 1) / settings.batchSize) }
            progress.update(
                s.iteration,
                detail: String(
                    format: "loss %.4f ± %.4f, %.1f on, %.1f samples/s",
                    record.lossMean, record.lossStd, record.patchedMean, record.samplesPerSecond)
                    + (ranks > 1 ? ", batches per rank " + batches.joined(separator: "/") : ""))
        })
    let outputs = job.outputs.resolved(tasks: taskNames)
    let finalSelection = job.final == .sample ? FinalSelection.sample(seed: settings.seed) : .threshold
    guard outcome != .interrupted else {
        return SearchRunResult(
            finished: false, iteration: state.iteration, bestIteration: state.bestIteration,
            bestLoss: state.bestLoss, variables: [], finalSelection: finalSelection, finalLosses: [:],
            outputs: outputs)
    }
    let finalLogits = state.bestLogits ?? state.policy.logits
    let bestPolicy = BernoulliPolicy(logits: finalLogits)
    let probabilities = search.fullProbabilities(bestPolicy)
    let chosen = finalSelection.mask(probabilities: probabilities)
    let variables = chosen.indices.filter { chosen[$0] }
    // The chosen variables, scored on the held-out prompts under both rewards (every rank takes part).
    var finalLosses: [String: Double] = [:]
    for reward in SearchSettings.Reward.allCases {
        finalLosses[reward.rawValue] = try search.heldOutLoss(chosen, reward: reward)
    }
    let result = SearchRunResult(
        finished: true, iteration: state.iteration, bestIteration: state.bestIteration,
        bestLoss: state.bestLoss, variables: variables, finalSelection: finalSelection,
        finalLosses: finalLosses, outputs: outputs)
    guard communicator.isRoot else { return result }
    var fullLogits = [Double](repeating: -.infinity, count: space.count)
    for (j, v) in search.searched.enumerated() { fullLogits[v] = finalLogits[j] }
    let origin =
        "search: \(settings.reward.rawValue) reward"
        + (settings.leverWords().isEmpty ? "" : ", \(settings.leverWords())")
        + ", best policy at iteration \(state.bestIteration) "
        + "(held-out loss \(state.bestLoss)), seed \(settings.seed)"
    try Publication.together {
        for (t, task) in tasks.enumerated() {
            try TaskVectors(
                task: task.rawValue, variables: variables, granularity: settings.patchGranularity, means: means[t],
                meansFrom: meansFrom[t],
                modelHash: model.hash, origin: origin, probabilities: probabilities, policyLogits: fullLogits,
                finalSelection: finalSelection
            )
            .write(to: outputs.taskVectors[t])
        }
        try SearchReport(
            settings: settings, tasks: taskNames, state: state, variables: variables,
            finalSelection: finalSelection, ranks: ranks,
            plantedLoss: plantedLoss, finalLosses: finalLosses
        )
        .writeJSON(to: outputs.json)
        if !outputs.plots.isEmpty {
            let what = taskNames.count == 1 ? taskNames[0] : "\(taskNames.count) tasks"
            try ImageFile.writePNG(
                SearchFigures.lossCurve(state, title: "search loss: \(what), \(settings.reward.rawValue) reward"),
                to: outputs.plots[0])
            try ImageFile.writePNG(
                SearchFigures.probabilities(
                    probabilities, space: space,
                    title: "policy probabilities (best, iteration \(state.bestIteration))"),
                to: outputs.plots[1])
        }
    }
    return result
}
