import Model

/// Where the task vectors of an evaluation come from, resolved to one `TaskVectors` per task.
public enum EvaluationTaskVectors {
    /// One file per task, matched by the files' `task` attribute. Every task needs exactly one file;
    /// files for other tasks are refused (they are most likely a mistake in the command line).
    /// files: (path, contents) as read with the model's hash checked.
    public static func match(_ files: [(path: String, vectors: TaskVectors)], tasks: [String]) throws -> [String:
        TaskVectors]
    {
        var byTask: [String: (path: String, vectors: TaskVectors)] = [:]
        for file in files {
            if let earlier = byTask[file.vectors.task] {
                throw SearchInputError.invalid(
                    "\(earlier.path) and \(file.path) are both task vectors for '\(file.vectors.task)'; "
                        + "give one file per task")
            }
            byTask[file.vectors.task] = file
        }
        let available = byTask.keys.sorted()
        for task in tasks where byTask[task] == nil {
            throw SearchInputError.missingTask(
                file: "the task-vectors files (\(files.map(\.path).joined(separator: ", ")))",
                task: task, available: available)
        }
        if let extra = available.first(where: { !tasks.contains($0) }) {
            throw SearchInputError.invalid(
                "\(byTask[extra]!.path) holds task vectors for '\(extra)', which is not among the "
                    + "evaluated tasks (\(tasks.joined(separator: ", "))); add it to --tasks or leave the file out")
        }
        return byTask.mapValues(\.vectors)
    }

    /// The first `k` variables of `ranking` (variables by decreasing taskness, as `ScoresFile.ranking`
    /// and `TasknessScores.ranking` give them), as task vectors of each task, with the vectors taken
    /// from that task's one-shot means in `activations`.
    public static func topK(
        _ k: Int, ranking: [Int], granularity: PatchVariables.Granularity, scoredTasks: [String],
        activations: ActivationsFile, tasks: [String], modelHash: String,
        activationsPath: String = "activations file"
    ) throws -> [String: TaskVectors] {
        let space = PatchVariables(configuration: activations.configuration, granularity: granularity)
        guard ranking.count == space.count else {
            throw SearchInputError.invalid(
                "the scores rank \(ranking.count) variables but granularity \(granularity.rawValue) "
                    + "of this model has \(space.count)")
        }
        guard k >= 1, k <= space.count else {
            throw SearchInputError.invalid(
                "--top-k must be in 1...\(space.count) for granularity \(granularity.rawValue), got \(k)")
        }
        let chosen = Array(ranking.prefix(k))
        var result: [String: TaskVectors] = [:]
        for task in tasks {
            let statistics = try activations.statistics(task, file: activationsPath)
            result[task] = TaskVectors(
                task: task, variables: chosen, granularity: granularity,
                means: statistics.means(configuration: activations.configuration), meansFrom: statistics.provenance,
                modelHash: modelHash,
                origin: "top-\(k) by taskness over \(scoredTasks.joined(separator: ","))")
        }
        return result
    }
}
