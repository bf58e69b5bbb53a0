import Distributed
import Foundation
import Model
import Pipeline
import Prompts
import Search

/// `vtv bench search`: search throughput (samples/s) on random weights and synthetic prompts.
let benchSearchCommand = Command(
    name: "bench search",
    summary: "time search iterations (samples/s, communication share) on random weights",
    discussion: """
        Builds the model from the original initialisation (no file needed), synthetic segmentation prompts,
        and task means recorded on them, then runs --iterations REINFORCE iterations and reports samples/s
        over all ranks and the share of wall time spent in MPI collectives. --procedure published runs the
        published code's way with our engine: each sample alone (batch 1), decoded by the VQGAN and scored
        in pixels; --procedure batched uses --batch and --reward. Run under mpirun to measure scaling.
        --model M.h5 loads a model file as the pipeline does instead (one copy of the weights per node
        unless VTV_PRIVATE_WEIGHTS=1). Reports the start-up time too: from the slowest rank's process
        start to its model being ready for the first forward pass.
        """,
    options: [
        .value("--config", "NAME", "vit-large or tiny", default: "tiny"),
        .value("--model", "M.h5", "a model file to time instead of --config's random weights"),
        .value(
            "--procedure", "batched|published", "batched forwards with --reward, or batch 1 + pixel reward",
            default: "batched"),
        .value("--reward", "tokens|pixel", "reward of the batched procedure", default: "tokens"),
        .value("--batch", "B", "masks per forward pass of the batched procedure, at least 1", default: "8"),
        .value("--iterations", "N", "timed iterations (after one warm-up iteration), at least 1", default: "3"),
        .value("--samples", "N", "masks per iteration, at least 2", default: "32"),
        .value("--seed", "N", "weight and prompt seed, N >= 0", default: "0")
    ],
    distributed: true
) { args in
    let world = Communicator.world
    let modelPath = args.string("--model")
    let name = try modelPath ?? args.required("--config")
    let procedure = try args.choice("--procedure", ["batched", "published"])!
    var settings = SearchSettings()
    settings.iterations = try args.int("--iterations", atLeast: 1)!
    settings.samplesPerIteration = try args.int(
        "--samples", atLeast: 2,
        why: "the losses of an iteration's masks are standardized into advantages")!
    settings.evalEvery = Int.max / 2
    settings.trainPrompts = 4
    settings.reward =
        procedure == "published"
        ? .pixel : SearchSettings.Reward(rawValue: try args.choice("--reward", ["tokens", "pixel"])!)!
    settings.batchSize = procedure == "published" ? 1 : try args.int("--batch", atLeast: 1)!
    if let problem = settings.problems.first { throw UsageError(problem) }
    let seed = UInt64(try args.int("--seed", atLeast: 0)!)
    let sharing = try WeightSharing.forDistributedCommand()
    // Loaded before the budget: with shared weights only the node's first rank opens the file
    // (opening reads all of it), and the others learn its configuration from that rank.
    let loaded = try modelPath.map { try LoadedModel(path: $0, parts: .all, sharing: sharing) }
    let configuration = try loaded?.configuration ?? ModelConfiguration.preset(name)
    try searchMemoryBudget(
        settings, configuration: configuration,
        variables: PatchVariables(configuration: configuration, granularity: settings.patchGranularity).count,
        trainPrompts: settings.trainPrompts, heldOutPrompts: 0, tasks: 1
    )
    .check(limit: try MemoryBudget.agreedLimit(world))
    settings.iterations += 1 // the warm-up iteration; the budget bounds the count far below Int.max

    let weights =
        try loaded?.weights
        ?? ModelWeights(configuration: configuration, parts: .all, arena: sharing.arena) {
            (configuration.initialWeights(seed: seed), "")
        }
    let mae = try MAEModel(configuration: configuration, weights: weights)
    let space = PatchVariables(configuration: configuration, granularity: settings.patchGranularity)
    // The encoder (prompts) and the decoder (pixel reward) run one at a time: one workspace serves both.
    let vqganWorkspace = VQGANWorkspace()
    let decoder =
        settings.reward == .pixel
        ? try VQGANDecoder(configuration: configuration.vqgan, weights: weights, workspace: vqganWorkspace) : nil
    let evaluator = RewardEvaluator(model: mae, decoder: decoder, space: space, batchSize: settings.batchSize)
    let encoder = try VQGANEncoder(configuration: configuration.vqgan, weights: weights, workspace: vqganWorkspace)
    let startup = try world.allreduce(secondsSinceProcessStart(), .max)
    let copies: String
    switch sharing {
    case .perProcess: copies = "one copy of the weights per rank"
    case .perNode: copies = "one copy of the weights per node"
    }
    world.log(
        "bench search: model ready after \(String(format: "%.2f", startup)) s (slowest rank, since its process started), \(copies)"
    )
    let source = try PromptSourceSpec(parsing: "synthetic:\(seed)")
        .open(
            role: "bench", count: settings.trainPrompts, seed: seed, layout: CanvasLayout(size: configuration.imageSize)
        )
    let canvases = try (0..<settings.trainPrompts).map { try source.canvas($0, task: .segmentation) }
    let recorders = canvases.map { _ in HeadRecorder(configuration: configuration, mode: .oneShot) }
    // The search proper reads its task means from an activations file; recording them here one
    // canvas at a time keeps the MAE's workspace at one sample's size, as in the search's batch-1
    // forwards (a sample's outputs do not depend on the rest of its batch).
    for (canvas, recorder) in zip(canvases, recorders) {
        _ = try mae.forward([MAESample(canvas: canvas.values, mode: .oneShot, recorder: recorder)])
    }
    let means = HeadOutputs.mean(of: recorders.map(\.outputs))
    let prompts = try SearchPromptBuilder(configuration: configuration, encoder: encoder, evaluator: evaluator)
        .prompts(
            canvases: canvases, names: canvases.indices.map { "synthetic#\($0)" }, task: .segmentation, taskIndex: 0,
            means: means)

    let search = ReinforceSearch(
        settings: settings, evaluator: evaluator, train: [prompts], heldOut: .none, world: world)
    var state = search.initialState()
    _ = try search.run(
        &state, checkpointEvery: Int.max, checkpoint: { _ in }, stopRequested: { false }, report: { _, _ in })
    let timed = state.history.dropFirst() // the first iteration warms up workspaces
    let seconds = timed.map(\.seconds).reduce(0, +)
    let communication = timed.map(\.communicationSeconds).reduce(0, +)
    let slowest = try world.allreduce(seconds, .max)
    let communicationShare = try world.allreduce(communication / max(seconds, 1e-12), .max)
    // Compute time per rank (wall time outside collectives): their spread is what waiting costs.
    let computeFastest = try world.allreduce(seconds - communication, .min)
    let computeSlowest = try world.allreduce(seconds - communication, .max)
    let samples = Double(timed.count * settings.samplesPerIteration)
    world.log(
        "bench search \(name) \(procedure) (\(settings.reward.rawValue) reward, batch \(settings.batchSize)): "
            + "\(world.size) rank(s), \(space.count) variables, "
            + String(
                format: "%.2f samples/s, %.1f%% of time in communication (max over ranks), "
                    + "compute %.2f-%.2f s per rank, %.0f MiB peak RSS on rank 0",
                samples / slowest, communicationShare * 100, computeFastest, computeSlowest, peakResidentMiB())
            + ", samples per rank in the last iteration "
            + search.lastShares.map { String($0.count) }.joined(separator: "/"))
    return 0
}

/// Seconds since this process started: /proc/uptime less the start time in /proc/self/stat (both
/// count from boot; a re-executed process keeps its start). 0 where /proc is not Linux's.
private func secondsSinceProcessStart() -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/self/stat", encoding: .utf8),
        let uptime = try? String(contentsOfFile: "/proc/uptime", encoding: .utf8),
        let up = uptime.split(separator: " ").first.flatMap({ Double($0) }),
        let close = stat.lastIndex(of: ")")
    else { return 0 }
    // After the parenthesised command name come fields 3, 4, ...; the start time is field 22, in clock ticks.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 19, let ticks = Double(fields[19]) else { return 0 }
    return up - ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
}
