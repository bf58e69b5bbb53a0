import Distributed
import Model
import Pipeline
import Search

/// `vtv search`'s settings from its options, each refused outside the values that mean something
/// (the ranges are the help texts'). `ranks` sizes `--batch auto`.
func searchSettings(_ given: ParsedArguments, ranks: Int) throws -> SearchSettings {
    var args = given
    let recipe = SearchSettings.Recipe(
        rawValue: try args.choice("--recipe", SearchSettings.Recipe.allCases.map(\.rawValue)) ?? "paper")!
    if recipe == .fast { args.replaceDefaults(fastRecipeOptions) }
    var settings = SearchSettings()
    settings.recipe = recipe
    settings.granularity = try args.int("--granularity", in: 0...2, why: searchGranularityMeaning)!
    try readSharedSearchSettings(args, into: &settings)
    if args.string("--batch") == "auto" {
        settings.batchSize = WorkChunks.automaticSize(count: settings.samplesPerIteration, ranks: ranks, maximum: 8)
    } else {
        settings.batchSize = try args.int("--batch", atLeast: 1)!
    }
    settings.seed = UInt64(try args.int("--mask-seed", atLeast: 0)!)
    settings.reward = SearchSettings.Reward(rawValue: try args.choice("--reward", ["pixel", "tokens"])!)!
    settings.stacks = SearchSettings.Stacks(rawValue: try args.choice("--stacks", ["both", "encoder", "decoder"])!)!
    settings.antithetic = args.flag("--antithetic")
    settings.tokenWarmup = try args.int(
        "--token-warmup", in: 0...settings.iterations,
        why: "the warm-up is the first iterations of the search; at --iterations every one uses the token reward")!
    settings.stopOnPlateau = try args.int("--stop-on-plateau", atLeast: 0)!
    settings.reuse = try args.int(
        "--reuse", in: 0...searchLargestReuse,
        why: "each reused iteration draws its masks again on every rank; past a few the old policies are "
            + "too far from the current one for their samples to count")!
    if let range = args.string("--adaptive-samples") {
        guard !args.isGiven("--samples") else {
            throw UsageError(
                "--adaptive-samples MIN:MAX sets the masks per iteration; give it or --samples, not both")
        }
        let bounds = range.split(separator: ":", omittingEmptySubsequences: false).map { Int($0) }
        guard bounds.count == 2, let low = bounds[0], let high = bounds[1], low >= 2, low <= high else {
            throw UsageError(
                "--adaptive-samples must be MIN:MAX, two whole numbers with 2 <= MIN <= MAX (the masks of the "
                    + "first iteration and the most any iteration draws), not '\(range)'")
        }
        (settings.adaptiveMinimum, settings.samplesPerIteration) = (low, high)
    }
    settings.precision = LinearPrecision(
        rawValue: try args.choice("--precision", LinearPrecision.allCases.map(\.rawValue)) ?? "fp32")!
    do {
        try settings.precision.checkSupported()
    } catch {
        throw UsageError("--precision \(settings.precision): \(error)")
    }
    if settings.tokenWarmup > 0 && settings.reward == .tokens {
        throw UsageError(
            "--token-warmup switches from the token reward to the pixel reward; --reward is already tokens")
    }
    if let problem = settings.problems.first { throw UsageError(problem) }
    return settings
}

/// `vtv search --recipe fast`: the option values it sets unless given (docs/search-efficiency.md): the
/// leave-one-out baseline at the measured quarter budget on vtv-small (14 iterations x 20 masks, lr 0.5,
/// held-out checks every 5 iterations).
let fastRecipeOptions: [(name: String, value: String)] = [
    ("--baseline", "leave-one-out"), ("--iterations", "14"), ("--samples", "20"), ("--eval-every", "5"),
    ("--lr", "0.5")
]

let searchGranularityMeaning = "0 heads, 1 head x token group, 2 head x token"

/// `--final`: how the best policy becomes the written variables (`FinalSelection`).
func finalSelectionRule(_ args: ParsedArguments) throws -> FinalSelection.Rule {
    FinalSelection.Rule(rawValue: try args.choice("--final", FinalSelection.Rule.allCases.map(\.rawValue))!)!
}

/// The settings `vtv search` and `vtv sweep` read alike: everything but the granularity, mask seed,
/// reward, stacks and batch (which a sweep takes as lists, or per group).
func readSharedSearchSettings(_ args: ParsedArguments, into settings: inout SearchSettings) throws {
    settings.iterations = try args.int("--iterations", atLeast: 1)!
    settings.samplesPerIteration = try args.int(
        "--samples", atLeast: 2,
        why: "the losses of an iteration's masks are standardized into advantages")!
    settings.trainPrompts = try args.int("--train-prompts", atLeast: 1)!
    settings.evalPrompts = try args.int(
        "--eval-prompts", atLeast: 1,
        why: "held-out prompts choose the best policy; chosen on the training prompts, "
            + "it would be the one that fits them best")!
    settings.evalEvery = try args.int("--eval-every", atLeast: 1)!
    settings.learningRate = try args.double(
        "--lr", above: 0, atMost: searchLargestLearningRate,
        why: "Adam moves each logit by about the learning rate per step")!
    settings.initialLogit = try args.double(
        "--init-logit", in: -searchLargestLogit...searchLargestLogit,
        why: "beyond, every probability is within 1e-13 of 0 or 1 and the policy "
            + "cannot move")!
    settings.sparsityPenalty = try args.double(
        "--sparsity", in: 0 ... .greatestFiniteMagnitude,
        why: "a penalty on the mean probability; below 0 it would reward patching")!
    settings.baseline = SearchSettings.Baseline(
        rawValue: try args.choice("--baseline", SearchSettings.Baseline.allCases.map(\.rawValue))!)!
    settings.check = SearchSettings.HeldOutCheck(
        rawValue: try args.choice("--check", SearchSettings.HeldOutCheck.allCases.map(\.rawValue))!)!
}

/// `--scores S.h5 --start-top K --start-logit X`: where the policy starts besides `--init-logit`
/// (`SearchStart`), or nil without `--start-top`. Each of the three needs the others' company.
func searchStart(_ args: ParsedArguments) throws -> SearchStart? {
    let logit = try args.double(
        "--start-logit", in: -searchLargestLogit...searchLargestLogit,
        why: "beyond, every probability is within 1e-13 of 0 or 1 and the policy cannot move")!
    guard let top = try args.int("--start-top", atLeast: 1) else {
        for option in ["--scores", "--start-logit"] where args.isGiven(option) {
            throw UsageError(
                "\(option) is read only with --start-top K (the K variables of highest taskness that start higher)")
        }
        return nil
    }
    guard let scores = args.string("--scores") else {
        throw UsageError("--start-top needs --scores S.h5, the taskness scores (vtv score) that rank the variables")
    }
    return SearchStart(scores: scores, top: top, logit: logit)
}

/// The largest `--reuse`.
let searchLargestReuse = 10

/// The largest `--lr`: one Adam step then moves a logit by up to 100, far past saturation already.
let searchLargestLearningRate = 100.0
/// The largest `--init-logit` magnitude: sigmoid(30) = 1 - 9e-14.
let searchLargestLogit = 30.0
