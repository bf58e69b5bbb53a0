import Distributed
import Foundation
import Model
import Pipeline
import Prompts
import Search
import Storage

/// `vtv collect`: per-task mean and variance of every head output over one-shot prompts.
let collectCommand = Command(
    name: "collect",
    summary: "record every head output over one-shot prompts; per-task mean and variance to HDF5",
    discussion: """
        Runs the one-shot prompt of each selected task through the model, recording every attention
        head's output o (before the output projection) at every layer and token, and accumulates the mean
        and variance per task in float64. Prompts are split across MPI ranks in contiguous blocks and the
        statistics combined exactly; rank 0 writes the file (docs/formats.md, "Activations file").
        Without --select-best every task's mean is over the selected prompts as given (what `vtv demo`
        and the model card's task means use today).
        --select-best N curates each task's mean as the published code does: the selected prompts are a
        pool; each is scored one-shot (the decoded prediction against its answer, IoU for segmentation,
        normalized MSE otherwise), sorted by score, smallest first; duplicates of a support image and then
        of a query image are dropped keeping the smaller score (for IoU the worse prompt: a quirk of the
        published code, reproduced); the rest is ranked best first and the first N are collected, one
        episode each. The published numbers: a pool of 3000 training prompts (1000 of each of three
        PASCAL-5i training folds) and N = 100 (docs/formats.md, "Curated task means"). The scoring is
        spread over ranks like the collection, and the choice does not depend on the number of ranks.
        The chosen prompts, their one-shot scores and every pool prompt's score are stored with the task.
        --per-prompt also stores every prompt's head outputs (float32, not only the means and variances) as
        /tasks/<task>/prompt_encoder and prompt_decoder, one HDF5 chunk per prompt, so that h5py reads one
        prompt (d[i]) without loading the file; row i is prompt i of the task's prompt list on any number
        of ranks. Each rank streams its prompts to rank 0 as they are recorded, one per rank per round.
        Size: 4 x (encoder.depth x 148 x width + decoder.depth x 197 x width) bytes per prompt and task,
        about 18 MB for the published ViT-L (--per-prompt-gzip L deflates, slower). `vtv score --geometry`
        uses them (docs/formats.md, "Per-prompt outputs").
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--tasks", "LIST", "comma-separated tasks, 'base' (the five) or 'all'", default: "base"),
        .value("--batch", "B", "prompts per forward pass, at least 1", default: "8"),
        .value(
            "--select-best", "N",
            "collect each task over the N best one-shot prompts of the selected ones (the "
                + "pool), 1 <= N <= the pool's size; published: 100 of 3000"),
        .flag("--per-prompt", "also store every prompt's head outputs, one chunk per prompt"),
        .value("--per-prompt-gzip", "L", "deflate the per-prompt outputs at level L, 0...9 (with --per-prompt)"),
        .value("--out", "A.h5", "the activations file to write", required: true)
    ] + promptSelectionOptions,
    distributed: true
) { args in
    let batch = try args.int("--batch", atLeast: 1)!
    let best = try args.int("--select-best", atLeast: 1, why: "the number of prompts each task's mean is taken over")
    let settings = CollectSettings(
        model: try args.required("--model"), prompts: promptInput(args), tasks: try parseTasks(args), batch: batch,
        selectBest: best, out: try args.required("--out"), perPrompt: args.flag("--per-prompt"),
        perPromptGzip: try args.int("--per-prompt-gzip", in: 0...9))
    guard let report = try runCollect(settings, world: .world) else { return 0 }
    let counts = Set(report.statistics.values.map(\.count)).sorted().map(String.init).joined(separator: " to ")
    print(
        "wrote \(report.out): \(settings.tasks.count) tasks, \(counts) prompts each, in "
            + String(format: "%.1f s", report.seconds))
    for task in settings.tasks {
        if let curation = report.curations[task.rawValue] { print("  \(task.rawValue): \(curation.summary)") }
    }
    return 0
}
