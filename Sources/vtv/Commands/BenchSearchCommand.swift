import Benchmarks
import Distributed
import Foundation
import Model
import Pipeline
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
    let procedure = SearchBenchmark.Procedure(
        rawValue: try args.choice("--procedure", SearchBenchmark.Procedure.allCases.map(\.rawValue))!)!
    var settings = SearchSettings()
    settings.iterations = try args.int("--iterations", atLeast: 1)!
    settings.samplesPerIteration = try args.int(
        "--samples", atLeast: 2,
        why: "the losses of an iteration's masks are standardized into advantages")!
    settings.evalEvery = Int.max / 2
    settings.trainPrompts = 4
    settings.reward =
        procedure == .published
        ? .pixel : SearchSettings.Reward(rawValue: try args.choice("--reward", ["tokens", "pixel"])!)!
    settings.batchSize = procedure == .published ? 1 : try args.int("--batch", atLeast: 1)!
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
    let weights =
        try loaded?.weights
        ?? ModelWeights(configuration: configuration, parts: .all, arena: sharing.arena) {
            (configuration.initialWeights(seed: seed), "")
        }
    let copies: String
    switch sharing {
    case .perProcess: copies = "one copy of the weights per rank"
    case .perNode: copies = "one copy of the weights per node"
    }
    let report = try SearchBenchmark.run(
        SearchBenchmark.Settings(
            name: name, procedure: procedure, search: settings, seed: seed, configuration: configuration,
            weights: weights, weightCopies: copies), world: world)
    report.lines.forEach { world.log($0) }
    return 0
}
