import Distributed
import Model
import Prompts
import Search

/// One way of running an analysis's prompts: the token layout and, for a zero-shot run, the task
/// vectors patched (nil: none, the plain prompt). The patch set is built only when the variant runs:
/// it holds a one-shot-sized table of head outputs (about 4.4 M floats for ViT-L), too much to keep
/// for every variant of an ablation at once.
public struct PromptVariant {
    public var mode: PromptMode
    public var vectors: TaskVectors?

    public init(mode: PromptMode, vectors: TaskVectors? = nil) {
        precondition(vectors == nil || mode == .zeroShot, "task vectors patch zero-shot prompts")
        self.mode = mode
        self.vectors = vectors
    }

    /// The zero-shot prompt with `vectors` patched; with no variables, the plain zero-shot prompt.
    public static func zeroShot(_ vectors: TaskVectors) -> PromptVariant {
        PromptVariant(mode: .zeroShot, vectors: vectors.variables.isEmpty ? nil : vectors)
    }
}

/// The score of every selected prompt of `task` under each variant, as `vtv eval` scores a
/// prediction (docs/paper.md#metrics).
///
/// The prompts are split across the ranks of `world` in contiguous blocks (`shard`), every rank runs
/// its block under every variant, and rank 0 gathers the scores back into prompt order. A prompt's
/// score depends only on the prompt and the variant (with one BLAS thread per rank), so the result
/// does not depend on the number of ranks. Returns, on rank 0, scores: [variants][prompts]; nil on
/// the other ranks.
func scoreVariants(
    _ variants: [PromptVariant], task: PromptTask, selection: PromptSelection, evaluator: PromptEvaluator,
    world: Communicator, label: String
) throws -> [[Double]]? {
    let side = evaluator.model.configuration.imageSize
    let count = selection.indices.count
    let mine = selection.indices[shard(count, rank: world.rank, of: world.size)]
    let canvases = try mine.map { try selection.source.canvas($0, task: task).values }
    let targets = canvases.map { Metrics.targetImage(canvas: $0, height: side, width: side) }
    world.log("\(label): \(count) prompts x \(variants.count) variants on \(world.size) rank(s)")
    let progress = ProgressReporter(label, total: variants.count, communicator: world)
    // scores of this rank: [variants][my prompts], flattened for the gather.
    var scores: [Double] = []
    scores.reserveCapacity(variants.count * mine.count)
    for (v, variant) in variants.enumerated() {
        let images = try evaluator.predictions(
            canvases: canvases, mode: variant.mode, patches: variant.vectors?.patchSet())
        scores += zip(targets, images).map { task.metric.evaluate(target: $0, prediction: $1) }
        progress.update(v + 1, detail: task.rawValue)
    }
    guard let gathered = try world.gather(scores) else { return nil }
    // Undo the rank-major order: rank r sent [variants][its block of prompts].
    var result = [[Double]](repeating: [], count: variants.count)
    var at = 0
    for r in 0..<world.size {
        let block = shard(count, rank: r, of: world.size).count
        for v in variants.indices {
            result[v] += gathered[at..<at + block]
            at += block
        }
    }
    return result
}
