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
    let baselines = try taskBaselines(args.string("--task-baseline"), option: "--task-baseline", tasks: tasks)
    var runs: [SweepRun] = []
    for task in tasks {
        for seed in seeds {
            for g in granularities {
                for reward in rewards {
                    for stack in stacks {
                        let run = SweepRun(
                            task: task, seed: seed, granularity: g, reward: reward, stacks: stack,
                            baseline: baselines[task])
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

/// `--task-baseline T=B,T=B...`: each named task's own baseline (`SearchSettings.Baseline`), the others
/// keeping `--baseline`; "none" or nil: none. Every T must be one of `tasks`, named once.
func taskBaselines(_ value: String?, option: String, tasks: [String]) throws -> [String: SearchSettings.Baseline] {
    guard let value, value != "none" else { return [:] }
    var baselines: [String: SearchSettings.Baseline] = [:]
    for pair in value.split(separator: ",", omittingEmptySubsequences: false) {
        let parts = pair.split(separator: "=", omittingEmptySubsequences: false).map(String.init)
        let choices = SearchSettings.Baseline.allCases.map(\.rawValue).joined(separator: "|")
        guard parts.count == 2, let baseline = SearchSettings.Baseline(rawValue: parts[1]) else {
            throw UsageError("\(option) must be TASK=\(choices),... or none, not '\(pair)'")
        }
        guard tasks.contains(parts[0]) else {
            throw UsageError(
                "\(option): '\(parts[0])' is not among the searched tasks (\(tasks.joined(separator: ", ")))")
        }
        guard baselines[parts[0]] == nil else { throw UsageError("\(option) names '\(parts[0])' twice") }
        baselines[parts[0]] = baseline
    }
    return baselines
}
