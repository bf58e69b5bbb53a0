import Distributed
import Foundation
import Imaging
import Model
import Outputs
import Pipeline
import Prompts
import Search

/// `vtv search`: REINFORCE over which head outputs to patch, across MPI ranks.
let searchCommand = Command(
    name: "search",
    summary: "search the head outputs to patch with REINFORCE, across MPI ranks; write task vectors",
    discussion: """
        The published procedure (docs/paper.md#reinforce) with every default a flag: a Bernoulli policy over
        the candidates of --granularity, logits starting at --init-logit, Adam, --samples masks per
        iteration over --train-prompts prompts, standardized advantages (--baseline prompt: first among
        the masks of each training prompt; not in the paper), evaluation every --eval-every
        iterations on --eval-prompts held-out prompts (the prompts after the training ones) keeping the
        best policy. --task all searches one policy for every task in the activations file.
        Defaults are the published ones, with three differences (docs/paper.md): the held-out prompts
        are built once rather than redrawn at each evaluation; with several tasks every task's held-out
        loss counts, where the published multi-task search scores segmentation alone; and --final
        threshold keeps the variables with p > 0.5, where the published evaluation applies one Bernoulli
        sample of the best policy (--final sample).
        Masks are keyed by (--mask-seed, iteration, sample): results do not depend on the number of ranks.
        A checkpoint is written every --checkpoint-every iterations and on SIGTERM/SIGINT; --resume continues it.
        Writes TV.h5 (the variables --final takes from the best policy, and its probabilities), TV.json
        (every iteration) and, with --plots, reward-curve and probability-heatmap PNGs.
        Seeds are named for what they seed: --mask-seed the masks and the final sample, --prompt-seed
        generated prompts (--seed, which seeded generated prompts before, is refused with a message).
        """,
    options: [
        .value("--model", "M.h5", "the model file", required: true),
        .value("--activations", "A.h5", "task means from vtv collect", required: true),
        .value("--task", "T", "the task to search, or 'all' for one policy over every task", required: true),
        .value(
            "--out", "TV.h5", "the task-vectors file (with --task all: one file per task, TV-<task>.h5)", required: true
        ),
        .value(
            "--reward", "pixel|tokens", "pixel: VQGAN-decoded IoU/MSE (the paper); tokens: cross-entropy on Q4 tokens",
            default: "pixel"),
        .value("--granularity", "G", "0 (heads), 1 (head x token group) or 2 (head x token)", default: "1"),
        .value("--stacks", "both|encoder|decoder", "restrict the search to one stack", default: "both"),
        .value("--iterations", "N", "policy updates, at least 1", default: "500"),
        .value("--samples", "N", "masks per iteration, at least 2", default: "320"),
        .value("--train-prompts", "N", "training prompts per task, at least 1", default: "10"),
        .value(
            "--eval-prompts", "N",
            "held-out prompts per task for the periodic evaluation, at least 1: the prompts after the "
                + "training ones, up to N (490 as published; at least one must exist)", default: "490"),
        .value("--eval-every", "N", "iterations between evaluations, at least 1", default: "50"),
        .value(
            "--lr", "X", "Adam learning rate, more than 0 and at most \(OptionRange.number(searchLargestLearningRate))",
            default: "0.1"),
        .value(
            "--init-logit", "X",
            "initial policy logit, in -\(OptionRange.number(searchLargestLogit))..."
                + "\(OptionRange.number(searchLargestLogit))", default: "-1"),
        .value("--sparsity", "LAMBDA", "penalty lambda * mean probability, lambda >= 0", default: "0"),
        .value(
            "--baseline", "batch|prompt|leave-one-out",
            "batch: advantages standardized over the iteration's masks (the paper); "
                + "prompt: first among the masks that share a training prompt, so a prompt's difficulty does not "
                + "count as a mask's merit; leave-one-out: each loss minus the mean of the other losses of its "
                + "training prompt, over one shared scale", default: "batch"),
        .value(
            "--scores", "S.h5",
            "taskness scores (vtv score) of this model at the search's granularity, for --start-top"),
        .value(
            "--start-top", "K",
            "the K searched variables of highest taskness in --scores start at --start-logit, the others at "
                + "--init-logit (K >= 1; not in the paper)"),
        .value(
            "--start-logit", "X",
            "with --start-top: the starting logit of its variables, in -\(OptionRange.number(searchLargestLogit))..."
                + "\(OptionRange.number(searchLargestLogit))", default: "1"),
        .value(
            "--check", "sample|threshold",
            "what each held-out check scores of the current policy: sample: one Bernoulli mask (the paper); "
                + "threshold: its variables with p > 0.5, the set --final threshold writes (not in the paper)",
            default: "sample"),
        .flag(
            "--antithetic",
            "antithetic masks: the odd sample of each pair draws from 1 - u where the even one drew u (not in the paper)"
        ),
        .value(
            "--token-warmup", "N",
            "the first N iterations use the token reward (no VQGAN decode), the rest --reward pixel; held-out "
                + "checks use --reward and start after the warm-up (0 <= N <= --iterations; not in the paper)",
            default: "0"),
        .value(
            "--stop-on-plateau", "K",
            "stop once K held-out checks in a row have not improved the best loss (0: run every iteration)",
            default: "0"),
        .value(
            "--reuse", "K",
            "the samples of the K preceding iterations (same reward) also enter each gradient, weighted by "
                + "p_now(mask) / p_then(mask), self-normalized per iteration and truncated at sqrt(masks) "
                + "(0 <= K <= \(searchLargestReuse); not in the paper)", default: "0"),
        .value(
            "--adaptive-samples", "MIN:MAX",
            "start at MIN masks per iteration and double them, up to MAX, at every held-out check that finds "
                + "no better loss (2 <= MIN <= MAX; replaces --samples; not in the paper)"),
        .value(
            "--precision", "fp32|bf16",
            "the arithmetic of the MAE's Linear layers in every forward pass: fp32 (the reference) or bf16 "
                + "products with fp32 sums (AVX512_BF16 CPUs only; slower than fp32 on the machines measured, "
                + "docs/search-efficiency.md; not in the paper)", default: "fp32"),
        .value(
            "--recipe", "paper|fast",
            "paper: every default as published; fast: defaults of docs/search-efficiency.md (options given "
                + "explicitly still win): "
                + fastRecipeOptions.map { $0.value == "true" ? $0.name : "\($0.name) \($0.value)" }
                .joined(separator: " "), default: "paper"),
        .value(
            "--mask-seed", "N", "the random key of the search: its sampled masks and the --final sample, N >= 0",
            default: "0"),
        .value(
            "--final", "threshold|sample",
            "how the best policy becomes the written variables: threshold keeps those "
                + "with p > 0.5 (deterministic); sample draws one Bernoulli mask keyed by --mask-seed (the published "
                + "evaluation)", default: "threshold"),
        .value(
            "--batch", "B|auto",
            "masks per forward pass (B >= 1), the unit of work handed to ranks; auto: the size up to 8 "
                + "that splits --samples most evenly over the ranks (give a number for results bit-identical on any "
                + "number of ranks)", default: "auto"),
        .value("--checkpoint", "C.h5", "checkpoint file (default: TV.h5 with .checkpoint.h5)"),
        .value("--checkpoint-every", "K", "iterations between checkpoints, at least 1", default: "10"),
        .flag(
            "--resume", "continue from the checkpoint file (--iterations must be at least the iterations it has run)"),
        .flag("--plots", "also write reward-curve and probability-heatmap PNGs next to TV.h5"),
        .value(
            "--planted", "TV.h5",
            "score against the predictions of the model patched with these task vectors instead of "
                + "the prompts' answers: a planted answer the search should recover (a check of the search itself)")
    ] + promptSelectionOptions,
    distributed: true
) { args in
    try runSearchCommand(args)
}

private func runSearchCommand(_ args: ParsedArguments) throws -> Int32 {
    let world = Communicator.world
    let job = SearchJob(
        model: try args.required("--model"), prompts: promptInput(args),
        settings: try searchSettings(args, ranks: world.size), task: try args.required("--task"),
        activations: try args.required("--activations"), planted: args.string("--planted"),
        final: try finalSelectionRule(args), start: try searchStart(args),
        checkpointEvery: try args.int("--checkpoint-every", atLeast: 1)!, resume: args.flag("--resume"),
        outputs: try SearchOutputs(args))
    let result = try runSearch(job, world: world)
    guard result.finished else {
        world.log(
            "search: stopped by a signal after iteration \(result.iteration); checkpoint \(job.outputs.checkpoint); "
                + "rerun with --resume")
        return 130
    }
    guard world.isRoot else { return 0 }
    let written = result.outputs.taskVectors + result.outputs.plots
    print(
        "wrote \(written.joined(separator: ", ")): \(result.variables.count) variables by \(result.finalSelection) "
            + "(best held-out loss \(String(format: "%.5f", result.bestLoss)) at iteration \(result.bestIteration))")
    print(
        "the chosen variables on the held-out prompts: pixel loss (-IoU or MSE) "
            + String(
                format: "%.5f, token cross-entropy %.5f", result.finalLosses["pixel"]!, result.finalLosses["tokens"]!))
    return 0
}
