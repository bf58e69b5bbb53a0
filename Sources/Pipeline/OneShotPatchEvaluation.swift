import Distributed
import Foundation
import Model
import Prompts
import Search

/// `vtv eval --into-one-shot A` on every rank of `world`: every evaluated task B's vectors (A's own
/// included) patched into task A's one-shot prompts (`TaskVectors.patchSet(for: .oneShot)`), each
/// prediction scored against A's target with A's metric and against B's target for the same prompt
/// index with B's metric, next to the unpatched one-shot prediction against B's target. The
/// prompts are this rank's contiguous block `mine`, gathered in prompt order as `evaluate` does, so
/// the results do not depend on the number of ranks. Rank 0 returns one result per B, in task
/// order; the other ranks return nil.
func evaluateOneShotPatched(
    _ job: EvaluationJob, into promptTask: PromptTask, evaluator: PromptEvaluator, mine: ArraySlice<Int>,
    side: Int, world: Communicator
) throws -> [EvaluationReport.OneShotPatchResult]? {
    let selection = job.selection
    let sources = job.tasks.filter { job.vectors[$0.rawValue] != nil }
    let canvases = try mine.map { try selection.source.canvas($0, task: promptTask).values }
    let promptTargets = canvases.map { Metrics.targetImage(canvas: $0, height: side, width: side) }
    var started = Date()
    let plain = try evaluator.predictions(canvases: canvases, mode: .oneShot, patches: nil)
    let plainSeconds = Date().timeIntervalSince(started)

    // Per vectors' task: [patched vs A, patched vs B, unpatched vs B][prompt], as `EvaluationGathers`
    // lays out tasks and modes.
    var local = EvaluationGathers.Results(metrics: [], seconds: [], crops: [])
    for task in sources {
        let targets = try mine.map {
            Metrics.targetImage(canvas: try selection.source.canvas($0, task: task).values, height: side, width: side)
        }
        started = Date()
        let patched = try evaluator.predictions(
            canvases: canvases, mode: .oneShot, patches: job.vectors[task.rawValue]!.patchSet(for: .oneShot))
        let seconds = Date().timeIntervalSince(started)
        local.metrics.append([
            zip(promptTargets, patched).map { promptTask.metric.evaluate(target: $0, prediction: $1) },
            zip(targets, patched).map { task.metric.evaluate(target: $0, prediction: $1) },
            zip(targets, plain).map { task.metric.evaluate(target: $0, prediction: $1) }
        ])
        local.seconds.append([[seconds], [seconds], [plainSeconds]])
        local.crops.append([])
    }
    let flat = EvaluationGathers.flatten(local)
    let allMetrics = try world.gather(flat.metrics)
    let allSeconds = try world.gather(flat.seconds)
    guard world.isRoot, let allMetrics, let allSeconds else { return nil }
    let gathered = EvaluationGathers.reassemble(
        metrics: allMetrics, seconds: allSeconds, crops: [], count: selection.indices.count, ranks: world.size,
        tasks: sources.count, modes: 3, gridCount: 0, cropBytes: 0)
    return sources.enumerated().map { b, task in
        let results = (0..<3).map {
            EvaluationReport.ModeResult(perPrompt: gathered.metrics[b][$0], rankSeconds: gathered.seconds[b][$0])
        }
        return EvaluationReport.OneShotPatchResult(
            promptTask: promptTask.rawValue, vectorsTask: task.rawValue, promptTaskMetric: promptTask.metric,
            vectorsTaskMetric: task.metric, patchedHeadOutputs: job.vectors[task.rawValue]!.targets.count,
            patchedVersusPromptTask: results[0], patchedVersusVectorsTask: results[1],
            plainVersusVectorsTask: results[2])
    }
}
