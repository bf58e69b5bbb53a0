import Benchmarks
import Distributed
import Foundation
import Model
import Pipeline

/// `vtv bench search-overhead`: the per-iteration work of the search besides its forward passes.
let benchSearchOverheadCommand = Command(
    name: "bench search-overhead",
    summary: "time a search iteration's work besides the forward passes: masks, advantages, gradient, MPI",
    discussion: """
        Runs --iterations REINFORCE updates of a policy over the variables of --config at --granularity
        with synthetic losses (no model, no forward pass), and reports each rank's seconds per iteration
        (median over iterations, then the slowest rank) and per sample that rank evaluates, and of that
        the time spent in the two collectives (the losses' all-gather and, for --method reduced, the
        gradient sums' all-reduce; the slowest rank's median): across nodes, the network's share. The
        ranks meet at a barrier before each collective, not counted, so the figures are the work and the
        transfers themselves, not waiting for a rank the operating system had descheduled.
        --method reduced is the search's: each rank draws its own samples' masks and adds their gradient
        terms in exact fixed point, summed by one integer all-reduce. --method gathered is the one before
        it: every rank draws all masks and sums the whole gradient from all-gathered losses. both runs the
        two in turn. Compare per-sample milliseconds with `vtv bench forward --batch 8` (the forward pass
        each sample costs) to get the overhead's share; docs/benchmarks.md has the measured table.
        """,
    options: [
        .value("--config", "NAME", "vit-large or tiny (only the variable count matters)", default: "vit-large"),
        .value("--granularity", "G", "0, 1 or 2", default: "2"),
        .value("--samples", "N", "masks per iteration, at least 2", default: "320"),
        .value("--iterations", "N", "timed iterations, at least 1", default: "3"),
        .value("--method", "reduced|gathered|both", "which gradient to time", default: "both")
    ],
    distributed: true
) { args in
    let world = Communicator.world
    let configName = try args.required("--config")
    let configuration = try ModelConfiguration.preset(configName)
    guard let granularity = PatchVariables.Granularity(rawValue: try args.int("--granularity", in: 0...2)!) else {
        throw UsageError("--granularity must be 0, 1 or 2")
    }
    let n = try args.int("--samples", atLeast: 2, why: "the losses of an iteration's masks are standardized")!
    let iterations = try args.int("--iterations", in: 1...1000)!
    let methods =
        try args.choice("--method", ["reduced", "gathered", "both"])! == "both"
        ? [.gathered, .reduced] : [SearchOverheadBenchmark.Method(rawValue: args.string("--method")!)!]
    let settings = SearchOverheadBenchmark.Settings(
        configurationName: configName, configuration: configuration, granularity: granularity, samples: n,
        iterations: iterations, methods: methods)
    // The old method holds every mask on every rank: N x V booleans.
    var budget = MemoryBudget()
    budget.add("--samples", n, count: n * settings.variables, of: 1, for: "the masks of one iteration")
    try budget.check(limit: try MemoryBudget.agreedLimit(world))
    try SearchOverheadBenchmark.run(settings, world: world).lines.forEach { world.log($0) }
    return 0
}
