import Pipeline
import Prompts
import Search

/// The study `vtv protocol`'s options describe, every option checked.
func protocolJob(_ args: ParsedArguments) throws -> ProtocolJob {
    let givenSeed = try args.int("--prompt-seed", atLeast: 0).map(UInt64.init)
    let prompts = try ProtocolPrompts(
        parsing: try args.required("--source"), splits: args.string("--splits"),
        promptSeed: givenSeed)
    let promptSeed = prompts.seed(promptSeed: givenSeed)
    let folds = try args.ints("--folds", in: 0...3, why: "PASCAL-5i has 4 folds of 5 classes")!
    guard !folds.isEmpty, Set(folds).count == folds.count else {
        throw UsageError("--folds must list distinct folds among 0-3, got '\(args.string("--folds")!)'")
    }
    let tasks = try parseTasks(args)
    let pool = try args.int("--pool", atLeast: 1)!
    let selectBest = try args.int("--select-best", in: 1...pool, why: "the best prompts are chosen from the --pool")!
    var search = SearchSettings()
    try readSharedSearchSettings(args, into: &search)
    search.granularity = try args.int("--granularity", in: 0...2, why: searchGranularityMeaning)!
    search.reward = SearchSettings.Reward(
        rawValue: try args.choice("--reward", SearchSettings.Reward.allCases.map(\.rawValue))!)!
    search.stacks = SearchSettings.Stacks(
        rawValue: try args.choice("--stacks", SearchSettings.Stacks.allCases.map(\.rawValue))!)!
    search.seed = UInt64(try args.int("--mask-seed", atLeast: 0)!)
    let searchBatch = args.string("--search-batch") == "auto" ? nil : try args.int("--search-batch", atLeast: 1)!
    search.batchSize = searchBatch ?? 8
    if let problem = search.problems.first { throw UsageError(problem) }
    let out = try args.required("--out")
    return ProtocolJob(
        model: args.string("--model"), prompts: prompts, promptSeed: promptSeed, folds: folds, tasks: tasks, pool: pool,
        selectBest: selectBest,
        episodes: try args.int("--episodes", atLeast: 1)!, search: search, searchBatch: searchBatch,
        final: try finalSelectionRule(args), batch: try args.int("--batch", atLeast: 1)!,
        grid: try args.int("--grid", atLeast: 0)!,
        checkpointEvery: try args.int("--checkpoint-every", atLeast: 1)!, resume: args.flag("--resume"),
        folder: out)
}
