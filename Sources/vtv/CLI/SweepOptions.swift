import Pipeline
import Prompts
import Search

/// The sweep's runs from its list options, tasks varying slowest. `--task all` is resolved from the
/// activations file.
func sweepRuns(_ args: ParsedArguments) throws -> [SweepRun] {
    var tasks = args.list("--task") ?? []
    if tasks == ["all"] {
        tasks = try ActivationsFile(path: try args.required("--activations")).taskNames
    }
    return try sweepRuns(args, tasks: tasks)
}

/// The runs for `tasks` (each a task name), checked and without repeats.
func sweepRuns(_ args: ParsedArguments, tasks: [String]) throws -> [SweepRun] {
    for task in tasks where PromptTask(rawValue: task) == nil {
        throw UsageError(
            "--task: '\(task)' is not a task; the tasks are \(PromptTask.every.map(\.rawValue).joined(separator: ", ")) "
                + "or 'all' alone")
    }
    let seeds = try args.ints("--mask-seed", in: 0...Int.max) ?? [0]
    let granularities = try args.ints("--granularity", in: 0...2, why: searchGranularityMeaning) ?? [1]
    func words<T: RawRepresentable & CaseIterable>(_ option: String, _: T.Type) throws -> [T]
    where T.RawValue == String {
        try (args.list(option) ?? []).map { word in
            guard let value = T(rawValue: word) else {
                throw UsageError(
                    "\(option) must list values among \(T.allCases.map(\.rawValue).joined(separator: ", ")); got '\(word)'"
                )
            }
            return value
        }
    }
    let rewards = try words("--reward", SearchSettings.Reward.self)
    let stacks = try words("--stacks", SearchSettings.Stacks.self)
    var runs: [SweepRun] = []
    for task in tasks {
        for seed in seeds {
            for g in granularities {
                for reward in rewards {
                    for stack in stacks {
                        let run = SweepRun(task: task, seed: seed, granularity: g, reward: reward, stacks: stack)
                        if !runs.contains(run) { runs.append(run) }
                    }
                }
            }
        }
    }
    guard !runs.isEmpty else {
        throw UsageError("the sweep has no searches: give at least one value to each list option")
    }
    return runs
}
