import Distributed
import Foundation
import Prompts
import Search

/// A sweep: several searches that differ in task, mask seed, granularity, reward or stacks, with
/// every other setting shared, writing into one folder.
public struct SweepJob {
    /// The model file.
    public var model: String
    /// The prompts of every search (each takes its training and held-out prompts from them).
    public var prompts: PromptInput
    public var runs: [SweepRun]
    /// The settings every run shares (its own choices replace seed, granularity, reward and stacks).
    public var base: SearchSettings
    /// Masks per forward pass, or nil to choose per group as `--batch auto` does for its ranks.
    public var batchSize: Int?
    /// How each run's best policy becomes its variables (a sample keyed by the run's mask seed).
    public var final: FinalSelection.Rule
    public var activations: String
    /// Where every run's policy starts besides the initial logit (`--scores --start-top`), if anywhere.
    public var start: SearchStart?
    public var checkpointEvery: Int
    public var resume: Bool
    public var folder: String

    public func outputs(_ run: SweepRun) -> SearchOutputs {
        SearchOutputs(out: folder + "/" + run.name + ".h5", task: run.task)
    }

    /// Whether `run` has written its results (a resumed sweep skips it).
    public func isFinished(_ run: SweepRun) -> Bool {
        let outputs = outputs(run)
        return (outputs.taskVectors + [outputs.json]).allSatisfy { FileManager.default.fileExists(atPath: $0) }
    }

    public init(
        model: String, prompts: PromptInput, runs: [SweepRun], base: SearchSettings, batchSize: Int?,
        final: FinalSelection.Rule, activations: String, start: SearchStart? = nil,
        checkpointEvery: Int, resume: Bool, folder: String
    ) {
        self.model = model
        self.prompts = prompts
        self.runs = runs
        self.base = base
        self.batchSize = batchSize
        self.final = final
        self.activations = activations
        self.start = start
        self.checkpointEvery = checkpointEvery
        self.resume = resume
        self.folder = folder
    }
}

/// What became of each run of a sweep. `statuses` and `seconds` are known on world rank 0 only;
/// `stopped` on every rank.
public struct SweepResult {
    public enum Status: String, Codable { case finished, skipped, stopped }
    public var statuses: [Status]
    /// Seconds each run took in this job (0 for the skipped).
    public var seconds: [Double]
    /// The groups, over the runs this job planned (`plannedRuns[r]` is the r-th planned run's index).
    public var plan: SweepPlan
    public var plannedRuns: [Int]
    /// Whether a signal stopped any run.
    public var stopped: Bool
}

/// What a sweep came to: the runs' fates on every rank, the summary on rank 0 (nil elsewhere).
public struct SweepReport {
    public var result: SweepResult
    public var summary: SweepSummary?
}

/// The sweep stage (`vtv sweep`), on every rank of `world`: loads the model, opens the prompts
/// for the runs' tasks, runs every unfinished search of `job` in groups of ranks (below), and on
/// rank 0 writes the summary (`SweepSummary.files`) next to the runs' files in `job.folder`.
public func runSweep(_ job: SweepJob, world: Communicator) throws -> SweepReport {
    let model = try LoadedModel(path: job.model, parts: .all, sharing: try .forStage(world))
    let prompts = try job.prompts.open(
        PromptTask.every.filter { task in job.runs.contains { $0.task == task.rawValue } },
        model.configuration.imageSize)
    try FileManager.default.createDirectory(atPath: job.folder, withIntermediateDirectories: true)
    world.log(
        "sweep: \(job.runs.count) searches (\(job.runs.map(\.name).joined(separator: ", "))) on \(world.size) rank(s)")
    let result = try sweep(job, model: model, prompts: prompts, world: world)
    guard world.isRoot else { return SweepReport(result: result, summary: nil) }
    let summary = try SweepSummary(job, result: result, ranks: world.size)
    try summary.write(folder: job.folder)
    return SweepReport(result: result, summary: summary)
}

/// Runs every unfinished search of `job` on the ranks of `world`, split into groups (`SweepPlan`,
/// `MPI_Comm_split`), each running its searches with `search` exactly as `vtv search` would on
/// that many ranks. The searches stay silent; rank 0 of `world` prints one progress line for all.
/// Every rank of `world` must call this. A signal stops every group at its next iteration, each
/// run's checkpoint written; `job.resume` continues them.
func sweep(_ job: SweepJob, model: LoadedModel, prompts: PromptSelection, world: Communicator) throws -> SweepResult {
    // Rank 0 decides which runs are done, so every rank plans the same groups.
    var finishedFlags = job.runs.map { world.isRoot && job.resume && job.isFinished($0) ? UInt8(1) : 0 }
    try world.broadcast(&finishedFlags)
    let planned = job.runs.indices.filter { finishedFlags[$0] == 0 }
    let plan = SweepPlan(
        costs: planned.map { job.runs[$0].cost(samples: job.base.samplesPerIteration) }, ranks: world.size)
    let groupIndex = plan.group(of: world.rank)
    let group = plan.groups[groupIndex]
    let communicator = try world.split(color: groupIndex, key: world.rank)

    // Per run: [iterations done, milliseconds, status (0 running or waiting, 1 finished, 2 stopped)].
    let mailbox = ProgressMailbox(communicator: world, slots: 3 * job.runs.count)
    // One unit per iteration, and one for each run's end (its final evaluation and files).
    let progress = ProgressReporter("sweep", total: planned.count * (job.base.iterations + 1), communicator: world)
    var lastShown = -1
    func showProgress() throws {
        try mailbox.poll()
        let ended = planned.filter { mailbox.values[3 * $0 + 2] != 0 }.count
        let done = planned.reduce(0) { $0 + Int(mailbox.values[3 * $1]) } + ended
        guard done != lastShown else { return }
        lastShown = done
        progress.update(
            done,
            detail: "\(ended) of \(planned.count) runs ended"
                + (planned.count < job.runs.count ? " (\(job.runs.count - planned.count) finished before)" : "")
                + ", \(plan.groups.count) group(s) over \(world.size) rank(s)")
    }

    var stopped = false
    for r in group.runs {
        let index = planned[r]
        let run = job.runs[index]
        let reports = communicator.isRoot
        if stopped {
            if reports { try mailbox.post(slot: 3 * index + 2, value: 2) }
            continue
        }
        var settings = run.settings(job.base)
        settings.batchSize =
            job.batchSize
            ?? WorkChunks.automaticSize(count: settings.samplesPerIteration, ranks: communicator.size, maximum: 8)
        if let problem = settings.problems.first { throw UsageError("run \(run.name): \(problem)") }
        let outputs = job.outputs(run)
        // The group's rank 0 looks, so that its ranks agree on whether to resume.
        var hasCheckpoint = [
            communicator.isRoot && job.resume && FileManager.default.fileExists(atPath: outputs.checkpoint)
                ? UInt8(1) : 0
        ]
        try communicator.broadcast(&hasCheckpoint)
        let search = SearchJob(
            model: model.path, prompts: .selection(prompts), settings: settings, task: run.task,
            activations: job.activations, planted: nil,
            final: job.final, start: job.start, checkpointEvery: job.checkpointEvery, resume: hasCheckpoint[0] == 1,
            outputs: outputs)
        var messageError: Error?
        let voice = SearchVoice(speaks: false) { iteration in
            do {
                if reports { try mailbox.post(slot: 3 * index, value: Int64(iteration)) }
                if world.isRoot { try showProgress() }
            } catch {
                messageError = messageError ?? error
            }
        }
        let start = Date()
        let result = try Pipeline.search(search, model: model, communicator: communicator, voice: voice)
        if let messageError { throw messageError }
        stopped = !result.finished
        if reports {
            try mailbox.post(slot: 3 * index, value: Int64(result.iteration))
            try mailbox.post(slot: 3 * index + 1, value: Int64(Date().timeIntervalSince(start) * 1000))
            try mailbox.post(slot: 3 * index + 2, value: result.finished ? 1 : 2)
        }
    }
    // World rank 0 keeps the line moving until every group has reported the end of each of its runs.
    if world.isRoot {
        while planned.contains(where: { mailbox.values[3 * $0 + 2] == 0 }) {
            try showProgress()
            usleep(50_000)
        }
        try showProgress()
    }
    try mailbox.close()
    let anyStopped = try world.allreduce(stopped ? 1 : 0, .max) == 1

    var statuses = [SweepResult.Status](repeating: .skipped, count: job.runs.count)
    var seconds = [Double](repeating: 0, count: job.runs.count)
    for index in planned {
        statuses[index] = mailbox.values[3 * index + 2] == 1 ? .finished : .stopped
        seconds[index] = Double(mailbox.values[3 * index + 1]) / 1000
    }
    return SweepResult(statuses: statuses, seconds: seconds, plan: plan, plannedRuns: planned, stopped: anyStopped)
}
