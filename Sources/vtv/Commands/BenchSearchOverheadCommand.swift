import Distributed
import Foundation
import Model
import Pipeline
import Prompts
import Randomness
import Search

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
        ? ["gathered", "reduced"] : [args.string("--method")!]
    let variables = PatchVariables(configuration: configuration, granularity: granularity).count
    // The old method holds every mask on every rank: N x V booleans.
    var budget = MemoryBudget()
    budget.add("--samples", n, count: n * variables, of: 1, for: "the masks of one iteration")
    try budget.check(limit: try MemoryBudget.agreedLimit(world))
    let mine = shard(n, rank: world.rank, of: world.size)
    world.log(
        "bench search-overhead: \(configName), granularity \(granularity.rawValue): \(variables) variables, "
            + "\(n) samples per iteration on \(world.size) rank(s), \(iterations) iteration(s)")

    for method in methods {
        var policy = BernoulliPolicy(variables: variables, initialLogit: -1)
        var adam = Adam(parameters: variables, learningRate: 0.1)
        var seconds: [Double] = []
        var collectiveSeconds: [Double] = []
        for iteration in 0..<iterations {
            // Losses as a forward pass would give them: a fixed function of the sample.
            let localLosses = mine.map { s in
                Double(SplitMix64(seed: 17).substream(UInt64(iteration)).value(at: UInt64(s)) >> 11) * 0x1.0p-53
            }
            var inCollectives = 0.0, inBarriers = 0.0
            /// Runs one collective after a barrier, adding its own time to `inCollectives`.
            func timed<R>(_ collective: () throws -> R) throws -> R {
                let arrived = Date()
                try world.barrier()
                let released = Date()
                inBarriers += released.timeIntervalSince(arrived)
                defer { inCollectives += Date().timeIntervalSince(released) }
                return try collective()
            }
            let started = Date()
            let losses = try timed { try world.allgather(localLosses) }
            let advantages = PolicyGradient.advantages(losses: losses)
            var gradient: [Double]
            if method == "gathered" {
                let masks = (0..<n).map { policy.sampleMask(seed: 1, iteration: iteration, sample: $0) }
                gradient = [Double](repeating: 0, count: variables)
                PolicyGradient.accumulate(
                    into: &gradient, policy: policy, masks: masks, advantages: advantages, totalSamples: n)
            } else {
                let p = policy.probabilities
                var terms = FixedPointGradient(variables: variables, advantages: advantages)
                for s in mine {
                    terms.add(
                        sample: s, mask: policy.sampleMask(seed: 1, iteration: iteration, sample: s, probabilities: p))
                }
                var sums = terms.sums
                try timed { try world.allreduce(&sums, .sum) }
                gradient = terms.gradient(totalSums: sums, probabilities: p, totalSamples: n)
            }
            adam.update(&policy.logits, gradient: gradient)
            seconds.append(Date().timeIntervalSince(started) - inBarriers)
            collectiveSeconds.append(inCollectives)
        }
        let slowest = try world.allreduce(seconds.sorted()[seconds.count / 2], .max)
        let slowestCollectives = try world.allreduce(collectiveSeconds.sorted()[collectiveSeconds.count / 2], .max)
        let perSample = slowest / Double(max(1, shard(n, rank: 0, of: world.size).count))
        world.log(
            String(
                format: "  %@: %.4f s per iteration (slowest rank), %.3f ms per sample a rank evaluates, "
                    + "%.2f ms of it in collectives", method, slowest, perSample * 1000, slowestCollectives * 1000))
    }
    return 0
}
