import Distributed
import Foundation
import Outputs
import Pipeline
import Prompts
import Search

/// `vtv protocol`: the paper's whole evaluation study on one model, in one MPI job.
let protocolCommand = Command(
    name: "protocol",
    summary:
        "run the paper's evaluation protocol (4 folds: curated means, one search per task, evaluation); write its table",
    discussion: """
        The published protocol (docs/paper.md#protocol), PASCAL-5i's 4 folds of 5 classes: for each fold f,
        (1) each task's mean over the --select-best best one-shot prompts of a pool of --pool training prompts of
        the other folds' classes (`vtv collect --select-best`), (2) one search per task on other training
        prompts of those classes (`vtv sweep`: the ranks split into groups), (3) fold f's own classes evaluated
        on --episodes episodes one-shot, zero-shot and zero-shot with the fold's task vectors (`vtv eval`).
        Then one table in the paper's layout, rows the conditions and columns the tasks with their metric
        (mIoU for segmentation, MSE otherwise), every fold's episodes pooled with a 95% confidence interval.
        --source pascal:VOCDIR reads the published split lists from --splits (default VOCDIR/splits):
        trn/fold<F>.txt and val/fold<F>.txt, lines `<image>__<class>`; fold f's training set interleaves the
        other three trn lists; episode i of a list is its line i, and beyond its last line the list is gone round
        again with new supports and squares (as the published loader makes 1000 episodes of shorter val lists).
        --source synthetic[:SEED[:BACKGROUNDS]] draws the synthetic scenes in the same folds (docs/prompts.md).
        Every search setting is set here, with the published values as defaults, whatever `vtv search`'s
        defaults are; the final patch set is one Bernoulli sample of the best policy (--final sample), as the
        published evaluation draws it. Published sizes: --pool 3000, --select-best 100, --episodes 1000,
        500 iterations x 320 masks, 10 training and 490 held-out prompts.
        Writes DIR/protocol.md, protocol.json (every fold's numbers too) and protocol.png (the first fold's first
        episode of each task in each condition), with each fold's files under DIR/fold<F>/: activations.h5,
        search/ (a sweep's folder) and eval/ (an eval report). Rank 0 prints the progress. A signal (SIGTERM,
        SIGINT) stops the searches at their next iteration with their checkpoints written, or the protocol at the
        end of the step under way; --resume skips every step whose files exist (after checking
        they belong to this study) and continues unfinished searches.
        """,
    options: [
        .value("--model", "M.h5", "the model (default: the embedded vtv-small model)"),
        .value("--source", "SPEC", "the episodes: pascal:VOCDIR or synthetic[:SEED[:BACKGROUNDS]]", required: true),
        .value(
            "--splits", "DIR", "with pascal: the folder of trn/fold<F>.txt and val/fold<F>.txt (default VOCDIR/splits)"),
        .value(
            "--prompt-seed", "N",
            "seed of the episodes (support draws, in-painting squares, synthetic scenes), N >= 0 "
                + "(default: a synthetic spec's seed, else 0)"),
        .value("--folds", "F,F...", "the folds to run, among 0-3 (the table pools them)", default: "0,1,2,3"),
        .value(
            "--tasks", "LIST", "the tasks, comma-separated",
            default: "segmentation,lowlight_enhance,inpaint,colorization"),
        .value(
            "--pool", "N", "collection pool per fold: training prompts of the other folds' classes, scored one-shot",
            default: "3000"),
        .value(
            "--select-best", "N", "each task's mean is over the N best one-shot prompts of the pool", default: "100"),
        .value("--episodes", "N", "evaluation episodes per fold", default: "1000"),
        .value("--iterations", "N", "search: policy updates, at least 1", default: "500"),
        .value("--samples", "N", "search: masks per iteration, at least 2", default: "320"),
        .value("--train-prompts", "N", "search: training prompts per task, at least 1", default: "10"),
        .value(
            "--eval-prompts", "N", "search: held-out prompts per task (those after the training ones), at least 1",
            default: "490"),
        .value("--eval-every", "N", "search: iterations between held-out checks, at least 1", default: "50"),
        .value("--lr", "X", "search: Adam learning rate", default: "0.1"),
        .value("--init-logit", "X", "search: initial policy logit", default: "-1"),
        .value("--sparsity", "LAMBDA", "search: penalty lambda * mean probability, lambda >= 0", default: "0"),
        .value(
            "--baseline", "batch|prompt|leave-one-out",
            "search: advantages standardized over the iteration's masks (batch, the paper), "
                + "first per training prompt, or leave-one-out per training prompt", default: "batch"),
        .value(
            "--check", "sample|threshold",
            "search: what each held-out check scores, one Bernoulli mask of the policy (the paper) or its "
                + "variables with p > 0.5", default: "sample"),
        .value("--granularity", "G", "search: 0 (heads), 1 (head x token group), 2 (head x token)", default: "1"),
        .value("--reward", "pixel|tokens", "search: pixel (the paper) or tokens", default: "pixel"),
        .value("--stacks", "both|encoder|decoder", "search: the stacks searched", default: "both"),
        .value(
            "--mask-seed", "N", "search: the key of every search's masks and of the final sample, N >= 0", default: "0"),
        .value(
            "--final", "sample|threshold",
            "how each best policy becomes its variables: one Bernoulli sample (the "
                + "published evaluation) or p > 0.5", default: "sample"),
        .value(
            "--search-batch", "B|auto",
            "search: masks per forward pass; auto: up to 8, split evenly over a group's ranks",
            default: "auto"),
        .value("--checkpoint-every", "K", "search: iterations between checkpoints, at least 1", default: "10"),
        .value("--batch", "B", "collection and evaluation: prompts per forward pass, at least 1", default: "8"),
        .value("--grid", "N", "episodes per task in each fold's eval/grid.png (0: none)", default: "4"),
        .flag("--resume", "skip the steps whose files exist and continue unfinished searches from their checkpoints"),
        .value("--out", "DIR", "the folder of the study's files", required: true),
        retiredSeedOption
    ],
    distributed: true
) { args in
    let world = Communicator.world
    let job = try protocolJob(args)
    let result = try runProtocol(job, world: world)
    if result.stopped {
        world.log("protocol: stopped by a signal; rerun with --resume to continue")
        return 130
    }
    guard let report = result.report else { return 0 }
    for task in report.tasks {
        let cells = task.conditions.map {
            "\(EvaluationMode(rawValue: $0.mode)?.title ?? $0.mode) \($0.pooled.formatted())"
        }
        print(
            "\(ProtocolReport.columnTitle(task: task.task, metric: task.metric)): \(cells.joined(separator: ", "))"
                + (task.recovered.map { String(format: "; recovered %.0f%%", $0 * 100) } ?? ""))
    }
    print("wrote " + ProtocolJob.files.map { OutputFolder.file($0, in: job.folder) }.joined(separator: ", "))
    return 0
}
