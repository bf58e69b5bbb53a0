import Distributed
import Foundation
import Model
import Prompts
import Search

/// The task vectors an evaluation patches in its third mode.
public enum TaskVectorChoice {
    /// None: one-shot and zero-shot only.
    case none
    /// Task-vectors files, one per task, matched by the file's task (`vtv eval --taskvectors`).
    case files([String])
    /// The `k` variables of highest taskness, from the scores file `scores` or computed from
    /// `activations` over all its tasks, with each task's means from `activations` (`--top-k`).
    case topK(Int, activations: String, scores: String?)
}

/// What `vtv eval` does (`runEvaluation`): the model, the prompts, the tasks, the task vectors
/// and the report folder.
public struct EvaluationSettings {
    /// The model file.
    public var model: String
    public var prompts: PromptInput
    /// The tasks to evaluate; nil: the tasks of the task-vectors files, else the five base tasks.
    public var tasks: [PromptTask]?
    public var taskVectors: TaskVectorChoice
    /// Checked against the task-vectors and scores files; with `.topK` and no scores file, the
    /// granularity scored (nil: 1).
    public var granularity: PatchVariables.Granularity?
    /// Prompts per forward pass.
    public var batch: Int
    /// Prompts per task shown in grid.png (0: no figure).
    public var grid: Int
    /// The report folder: report.json, report.md and grid.png (`ReportFolder.evaluationFiles`).
    public var out: String
    /// With task vectors: also patch every evaluated task's vectors into this task's one-shot
    /// prompts (`vtv eval --into-one-shot`); it must be among the evaluated tasks.
    public var intoOneShot: PromptTask?
    /// Accept `.files` task vectors of a sibling model: another content hash, the same configuration
    /// (`--allow-other-model`); the report records the vectors' model hash. Default: refused.
    public var allowOtherModel: Bool

    public init(
        model: String, prompts: PromptInput, tasks: [PromptTask]? = nil, taskVectors: TaskVectorChoice = .none,
        granularity: PatchVariables.Granularity? = nil, batch: Int = 8, grid: Int = 4, out: String,
        intoOneShot: PromptTask? = nil, allowOtherModel: Bool = false
    ) {
        self.allowOtherModel = allowOtherModel
        self.intoOneShot = intoOneShot
        self.model = model
        self.prompts = prompts
        self.tasks = tasks
        self.taskVectors = taskVectors
        self.granularity = granularity
        self.batch = batch
        self.grid = grid
        self.out = out
    }
}

/// The evaluation stage, on every rank of `world`: loads the model, resolves the task vectors,
/// opens the prompts and scores each task's prompts in one-shot, zero-shot and (with task
/// vectors) zero-shot + TV mode (`EvaluationReport`). Prompts are split across ranks in
/// contiguous blocks and gathered in prompt order (`EvaluationGathers`), so the metrics do not
/// depend on the number of ranks. Rank 0 writes the report folder and returns the report; the
/// other ranks return nil.
public func runEvaluation(_ settings: EvaluationSettings, world: Communicator) throws -> EvaluationReport? {
    var isFolder: ObjCBool = false
    if FileManager.default.fileExists(atPath: settings.out, isDirectory: &isFolder), !isFolder.boolValue {
        throw UsageError("--out \(settings.out) is a file; give a folder for the report")
    }
    let model = try LoadedModel(path: settings.model, parts: [.mae, .vqganDecoder], sharing: try .forStage(world))
    let resolved = try resolveTaskVectors(settings, model: model)
    if let into = settings.intoOneShot {
        guard !resolved.vectors.isEmpty else {
            throw UsageError("--into-one-shot patches task vectors: give --taskvectors or --top-k")
        }
        guard resolved.tasks.contains(into) else {
            throw UsageError(
                "--into-one-shot \(into.rawValue) is not among the evaluated tasks ("
                    + resolved.tasks.map(\.rawValue).joined(separator: ", ") + "); add it to --tasks with its vectors")
        }
    }
    let selection = try settings.prompts.open(resolved.tasks, model.configuration.imageSize)
    let job = EvaluationJob(
        selection: selection, tasks: resolved.tasks, vectors: resolved.vectors, vectorFiles: resolved.files,
        batch: settings.batch, gridCount: settings.grid, out: settings.out, oneShotPatchInto: settings.intoOneShot)
    return try evaluate(job, model: model, world: world)
}

/// The task vectors of each evaluated task and the file each came from.
private struct ResolvedTaskVectors {
    var tasks: [PromptTask]
    var vectors: [String: TaskVectors] = [:]
    var files: [String: String] = [:]
}

private func resolveTaskVectors(_ settings: EvaluationSettings, model: LoadedModel) throws -> ResolvedTaskVectors {
    let granularity = settings.granularity
    switch settings.taskVectors {
    case .files(let paths):
        let files = try paths.filter { !$0.isEmpty }.map { path in
            (
                path: path,
                vectors: try model.taskVectors(
                    path, granularity: granularity, allowOtherModel: settings.allowOtherModel)
            )
        }
        guard !files.isEmpty else { throw UsageError("--taskvectors needs at least one file") }
        let fileTasks = files.map(\.vectors.task)
        let tasks = settings.tasks ?? PromptTask.every.filter { fileTasks.contains($0.rawValue) }
        var resolved = ResolvedTaskVectors(tasks: tasks)
        resolved.vectors = try EvaluationTaskVectors.match(files, tasks: tasks.map(\.rawValue))
        for file in files { resolved.files[file.vectors.task] = file.path }
        if tasks.isEmpty {
            throw UsageError(
                "none of the --taskvectors files is for a known task (they are for \(fileTasks.joined(separator: ", ")))"
            )
        }
        return resolved
    case let .topK(k, activationsPath, scoresPath):
        if settings.allowOtherModel {
            throw UsageError("--allow-other-model applies to --taskvectors files; --top-k takes this model's means")
        }
        let tasks = try settings.tasks ?? PromptTask.parseList("base")
        let activations = try model.activations(activationsPath)
        let ranking: [Int], scored: PatchVariables.Granularity, scoredTasks: [String]
        if let scoresPath {
            let scores = try ScoresFile(path: scoresPath)
            guard scores.modelHash == model.hash else {
                throw SearchInputError.modelMismatch(
                    file: scoresPath, kind: .scores, found: scores.modelHash, expected: model.hash)
            }
            if let granularity, granularity != scores.granularity {
                throw SearchInputError.granularityMismatch(
                    file: scoresPath, found: scores.granularity.rawValue,
                    expected: granularity.rawValue)
            }
            (ranking, scored, scoredTasks) = (scores.ranking, scores.granularity, scores.tasks)
        } else {
            scored = granularity ?? .headGroup
            let taskness = try TasknessScores(
                activations: activations, tasks: activations.taskNames, granularity: scored)
            (ranking, scoredTasks) = (taskness.ranking, taskness.tasks)
        }
        var resolved = ResolvedTaskVectors(tasks: tasks)
        resolved.vectors = try EvaluationTaskVectors.topK(
            k, ranking: ranking, granularity: scored, scoredTasks: scoredTasks,
            activations: activations, tasks: tasks.map(\.rawValue),
            modelHash: model.hash, activationsPath: activationsPath)
        return resolved
    case .none:
        if settings.allowOtherModel { throw UsageError("--allow-other-model applies to --taskvectors files") }
        return ResolvedTaskVectors(tasks: try settings.tasks ?? PromptTask.parseList("base"))
    }
}
