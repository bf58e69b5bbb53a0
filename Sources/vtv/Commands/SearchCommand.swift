import Distributed
import Imaging
import Foundation
import Outputs
import Model
import Prompts
import Search

/// `vtv search`: REINFORCE over which head outputs to patch, across MPI ranks.
let searchCommand = Command(
    name: "search",
    summary: "search the head outputs to patch with REINFORCE, across MPI ranks; write task vectors",
    discussion: """
    The published procedure (REFERENCE.md Section 7) with every default a flag: a Bernoulli policy over
    the candidates of --granularity, logits starting at --init-logit, Adam, --samples masks per
    iteration over --train-prompts prompts, standardized advantages (--baseline prompt: first among
    the masks of each training prompt; not in the paper), evaluation every --eval-every
    iterations on --eval-prompts held-out prompts (the prompts after the training ones) keeping the
    best policy. --task all searches one policy for every task in the activations file.
    Masks are keyed by (--mask-seed, iteration, sample): results do not depend on the number of ranks.
    A checkpoint is written every --checkpoint-every iterations and on SIGTERM/SIGINT; --resume continues it.
    Writes TV.h5 (variables with probability > 0.5 of the best policy, and the probabilities), TV.json
    (every iteration) and, with --plots, reward-curve and probability-heatmap PNGs.
    """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--activations", "A.h5", "task means from vtv collect", required: true),
        .value("--task", "T", "the task to search, or 'all' for one policy over every task", required: true),
        .value("--out", "TV.h5", "the task-vectors file (with --task all: one file per task, TV-<task>.h5)", required: true),
        .value("--reward", "pixel|tokens", "pixel: VQGAN-decoded IoU/MSE (the paper); tokens: cross-entropy on Q4 tokens", default: "pixel"),
        .value("--granularity", "G", "0 (heads), 1 (head x token group) or 2 (head x token)", default: "1"),
        .value("--stacks", "both|encoder|decoder", "restrict the search to one stack", default: "both"),
        .value("--iterations", "N", "policy updates, at least 1", default: "500"),
        .value("--samples", "N", "masks per iteration, at least 2", default: "320"),
        .value("--train-prompts", "N", "training prompts per task, at least 1", default: "10"),
        .value("--eval-prompts", "N", "held-out prompts per task for the periodic evaluation, at least 1 (the prompts after the "
               + "training ones; the prompts must hold at least one)", default: "20"),
        .value("--eval-every", "N", "iterations between evaluations, at least 1", default: "50"),
        .value("--lr", "X", "Adam learning rate, more than 0 and at most \(OptionRange.number(searchLargestLearningRate))",
               default: "0.1"),
        .value("--init-logit", "X", "initial policy logit, in -\(OptionRange.number(searchLargestLogit))..."
               + "\(OptionRange.number(searchLargestLogit))", default: "-1"),
        .value("--sparsity", "LAMBDA", "penalty lambda * mean probability, lambda >= 0", default: "0"),
        .value("--baseline", "batch|prompt", "batch: advantages standardized over the iteration's masks (the paper); "
               + "prompt: first among the masks that share a training prompt, so a prompt's difficulty does not "
               + "count as a mask's merit", default: "batch"),
        .value("--mask-seed", "N", "the random key of the sampled masks, N >= 0", default: "0"),
        .value("--batch", "B|auto", "masks per forward pass (B >= 1), the unit of work handed to ranks; auto: the size up to 8 "
               + "that splits --samples most evenly over the ranks (give a number for results bit-identical on any "
               + "number of ranks)", default: "auto"),
        .value("--checkpoint", "C.h5", "checkpoint file (default: TV.h5 with .checkpoint.h5)"),
        .value("--checkpoint-every", "K", "iterations between checkpoints, at least 1", default: "10"),
        .flag("--resume", "continue from the checkpoint file (--iterations must be at least the iterations it has run)"),
        .flag("--plots", "also write reward-curve and probability-heatmap PNGs next to TV.h5"),
        .value("--planted", "TV.h5", "score against the predictions of the model patched with these task vectors instead of "
               + "the prompts' answers: a planted answer the search should recover (a check of the search itself)"),
    ] + promptSelectionOptions,
    distributed: true
) { args in
    try runSearchCommand(args)
}

private func runSearchCommand(_ args: ParsedArguments) throws -> Int32 {
    let world = Communicator.world
    let settings = try searchSettings(args, ranks: world.size)
    let checkpointEvery = try args.int("--checkpoint-every", atLeast: 1)!

    let checkpointPath = try SearchOutputs(args).checkpoint
    let model = try LoadedModel(path: try args.required("--model"), parts: .all,
                                sharing: try WeightSharing.forDistributedCommand())
    let activationsPath = try args.required("--activations")
    let activations = try ActivationsFile(path: activationsPath)
    guard activations.modelHash == model.hash else {
        throw SearchInputError.modelMismatch(file: activationsPath, kind: .activations, found: activations.modelHash,
                                             expected: model.hash)
    }
    let taskName = try args.required("--task")
    let tasks: [PromptTask] = try taskName == "all"
        ? activations.taskNames.compactMap(PromptTask.init(rawValue:))
        : PromptTask.parseList(taskName)
    for task in tasks { _ = try activations.statistics(task.rawValue, file: activationsPath) }

    let selection = try openPromptSelection(args, tasks: tasks, canvasSize: model.configuration.imageSize)
    try model.checkCanvas(selection)
    let needed = settings.trainPrompts + settings.evalPrompts
    guard selection.indices.count >= settings.trainPrompts else {
        throw UsageError("the prompts hold \(selection.indices.count) prompt(s); --train-prompts needs \(settings.trainPrompts)")
    }
    let trainIndices = Array(selection.indices.prefix(settings.trainPrompts))
    let heldOutIndices = Array(selection.indices.dropFirst(settings.trainPrompts).prefix(settings.evalPrompts))
    guard !heldOutIndices.isEmpty else {
        throw UsageError("the prompts hold \(selection.indices.count) prompt(s), all of them training prompts (--train-prompts "
                         + "\(settings.trainPrompts)); the held-out evaluation needs at least one more: give more prompts or "
                         + "lower --train-prompts")
    }
    if selection.indices.count < needed {
        world.log("search: note: only \(heldOutIndices.count) held-out prompt(s) after the \(settings.trainPrompts) training ones")
    }
    try searchMemoryBudget(settings, configuration: model.configuration,
                           variables: PatchVariables(configuration: model.configuration, granularity: settings.patchGranularity).count,
                           trainPrompts: trainIndices.count, heldOutPrompts: heldOutIndices.count, tasks: tasks.count)
        .check(limit: try MemoryBudget.agreedLimit(world))

    let mae = try model.mae()
    let space = PatchVariables(configuration: model.configuration, granularity: settings.patchGranularity)
    // The decoder is needed for the pixel reward, and to report the final mask under both rewards.
    let decoder = try model.vqganDecoder()
    let evaluator = RewardEvaluator(model: mae, decoder: decoder, space: space, batchSize: settings.batchSize)
    let builder = SearchPromptBuilder(configuration: model.configuration,
                                      encoder: try model.vqganEncoder(),
                                      evaluator: evaluator)
    var train: [[SearchPrompt]] = []
    var heldOut: [SearchPrompt] = []
    var means: [HeadOutputs] = []
    for (t, task) in tasks.enumerated() {
        let taskMeans = try activations.statistics(task.rawValue).means(configuration: model.configuration)
        means.append(taskMeans)
        func build(_ indices: [Int]) throws -> [SearchPrompt] {
            try builder.prompts(canvases: indices.map { try selection.source.canvas($0, task: task) },
                                names: indices.map { promptName(selection.source, $0) }, task: task, taskIndex: t,
                                means: taskMeans)
        }
        train.append(try build(trainIndices))
        heldOut += try build(heldOutIndices)
    }

    var plantedLoss: Double?
    if let planted = args.string("--planted") {
        let vectors = try TaskVectors(path: planted, expectedModelHash: model.hash)
        let patches = vectors.patchSet()
        train = try train.map { try builder.retargeted($0, patches: patches, model: mae, decoder: decoder) }
        heldOut = try builder.retargeted(heldOut, patches: patches, model: mae, decoder: decoder)
        world.log("search: planted targets from \(planted) (\(vectors.variables.count) variables: \(vectors.variables))")
        var plantedMask = [Bool](repeating: false, count: space.count)
        for v in vectors.variables where v < space.count { plantedMask[v] = true }
        plantedLoss = try ReinforceSearch(settings: settings, evaluator: evaluator, train: train, heldOut: heldOut, world: world)
            .heldOutLoss(plantedMask, reward: settings.reward)
        world.log("search: the planted mask's held-out loss is \(plantedLoss!)")
    }

    let search = ReinforceSearch(settings: settings, evaluator: evaluator, train: train, heldOut: heldOut, world: world)
    search.afterEvaluating = FaultInjection.slowdown(rank: world.rank)
    let taskNames = tasks.map(\.rawValue)
    var state = search.initialState()
    if args.flag("--resume") {
        guard FileManager.default.fileExists(atPath: checkpointPath) else {
            throw UsageError("--resume: no checkpoint at \(checkpointPath)")
        }
        state = try SearchCheckpoint.read(checkpointPath, settings: settings, modelHash: model.hash, tasks: taskNames,
                                          variables: search.searched.count)
        // The loop would not run and the checkpoint's best policy, perhaps found after --iterations, would be written.
        guard state.iteration <= settings.iterations else {
            throw UsageError("--resume: \(checkpointPath) has already run \(state.iteration) iterations, more than --iterations "
                             + "\(settings.iterations); give --iterations \(state.iteration) or more to continue it "
                             + "(exactly \(state.iteration) writes its results as they are)")
        }
        world.log("search: resuming from \(checkpointPath) after iteration \(state.iteration)")
    }
    world.log("search: \(taskNames.joined(separator: ",")), \(search.searched.count) of \(space.count) variables "
              + "(granularity \(settings.granularity), \(settings.stacks.rawValue)), \(settings.samplesPerIteration) masks x "
              + "\(settings.iterations) iterations in batches of \(settings.batchSize), \(settings.reward.rawValue) reward, "
              + "\(settings.baseline.rawValue) baseline, \(world.size) rank(s)")
    let chunks = WorkChunks(count: settings.samplesPerIteration, size: settings.batchSize).chunks
    if chunks < world.size {
        let remedy = settings.samplesPerIteration < world.size
            ? "raise --samples to at least \(world.size)"
            : "use --batch \(settings.samplesPerIteration / world.size) or fewer, or --batch auto"
        world.log("search: warning: \(settings.samplesPerIteration) masks in batches of \(settings.batchSize) make \(chunks) "
                  + "batches, so only \(chunks) of \(world.size) ranks get work; \(remedy) (cluster/README.md, \"Sizing a search\")")
    }

    StopSignal.install()
    let progress = ProgressReporter("search", total: settings.iterations, communicator: world)
    let outcome = try search.run(
        &state, checkpointEvery: checkpointEvery,
        checkpoint: { s in
            if world.isRoot {
                try SearchCheckpoint.write(s, settings: settings, modelHash: model.hash, tasks: taskNames, to: checkpointPath)
            }
        },
        stopRequested: { StopSignal.received },
        report: { record, s in
            FaultInjection.afterIteration(s.iteration, rank: world.rank)
            let batches = search.lastShares.map { String(($0.count + settings.batchSize - 1) / settings.batchSize) }
            progress.update(s.iteration, detail: String(format: "loss %.4f ± %.4f, %.1f on, %.1f samples/s",
                                                          record.lossMean, record.lossStd, record.patchedMean, record.samplesPerSecond)
                                + (world.size > 1 ? ", batches per rank " + batches.joined(separator: "/") : ""))
        })
    if outcome == .interrupted {
        world.log("search: stopped by a signal after iteration \(state.iteration); checkpoint \(checkpointPath); rerun with --resume")
        return 130
    }
    let finalLogits = state.bestLogits ?? state.policy.logits
    let bestPolicy = BernoulliPolicy(logits: finalLogits)
    let probabilities = search.fullProbabilities(bestPolicy)
    let variables = probabilities.indices.filter { probabilities[$0] > 0.5 }
    // The chosen variables, scored on the held-out prompts under both rewards (every rank takes part).
    let chosen = probabilities.map { $0 > 0.5 }
    var finalLosses: [String: Double] = [:]
    for reward in SearchSettings.Reward.allCases {
        finalLosses[reward.rawValue] = try search.heldOutLoss(chosen, reward: reward)
    }
    guard world.isRoot else { return 0 }
    var fullLogits = [Double](repeating: -.infinity, count: space.count)
    for (j, v) in search.searched.enumerated() { fullLogits[v] = finalLogits[j] }
    let origin = "search: \(settings.reward.rawValue) reward"
        + (settings.baseline == .batch ? "" : ", \(settings.baseline.rawValue) baseline")
        + ", best policy at iteration \(state.bestIteration) "
        + "(held-out loss \(state.bestLoss)), seed \(settings.seed)"
    let outputs = try SearchOutputs(args, tasks: taskNames)
    try Publication.together {
        for (t, task) in tasks.enumerated() {
            try TaskVectors(task: task.rawValue, variables: variables, granularity: settings.patchGranularity, means: means[t],
                            modelHash: model.hash, origin: origin, probabilities: probabilities, policyLogits: fullLogits)
                .write(to: outputs.taskVectors[t])
        }
        try SearchReport(settings: settings, tasks: taskNames, state: state, variables: variables, ranks: world.size,
                         plantedLoss: plantedLoss, finalLosses: finalLosses)
            .writeJSON(to: outputs.json)
        if args.flag("--plots") {
            let what = taskNames.count == 1 ? taskNames[0] : "\(taskNames.count) tasks"
            try ImageFile.writePNG(SearchFigures.lossCurve(state, title: "search loss: \(what), \(settings.reward.rawValue) reward"),
                                   to: outputs.plots[0])
            try ImageFile.writePNG(SearchFigures.probabilities(probabilities, space: space,
                                                               title: "policy probabilities (best, iteration \(state.bestIteration))"),
                                   to: outputs.plots[1])
        }
    }
    let written = outputs.taskVectors + outputs.plots
    print("wrote \(written.joined(separator: ", ")): \(variables.count) variables with p > 0.5 "
          + "(best held-out loss \(String(format: "%.5f", state.bestLoss)) at iteration \(state.bestIteration))")
    print("the chosen variables on the held-out prompts: pixel loss (-IoU or MSE) "
          + String(format: "%.5f, token cross-entropy %.5f", finalLosses["pixel"]!, finalLosses["tokens"]!))
    return 0
}
