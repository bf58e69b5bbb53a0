import Distributed
import Foundation
import Pipeline
import Prompts
import Search

/// `vtv demo`: the whole pipeline on the embedded default model and synthetic prompts.
let demoCommand = Command(
    name: "demo",
    summary:
        "run the whole pipeline (prompts, collect, score, one search per task, eval) on the embedded default; write a report",
    discussion: """
        Runs, in one MPI job (launch with cluster/local.sh 2 demo): synthetic prompts (synthetic:N, N the
        --prompt-seed) in three disjoint sets of scenes of the same classes, roles collect and train
        (--count each) and eval (--eval-count); collect, each task's mean over the collect prompts; score; one search per task
        (`vtv sweep`: the ranks split into groups), --iterations x --samples masks over the first
        --train-prompts train prompts, the best policy chosen on the other train prompts; eval of one-shot
        vs zero-shot vs zero-shot with each task's vectors on the eval prompts, which no earlier step saw.
        Ends with DIR/README.md, a short report with the figures and, per task, the share of the one-shot
        advantage the task vectors recover, (zero-shot + TV − zero-shot) / (one-shot − zero-shot) over the
        eval means; rank 0 prints the shares too. The defaults fit about 5 minutes on 2 ranks of a quiet
        2-core machine (docs/model-card.md, "The demo"). Every other search setting is fixed here,
        whatever `vtv search`'s defaults are: \(DemoSettings.searchWords.joined(separator: " ")), and every search
        starts from the demo's own scores: --scores DIR/scores.h5 --start-top K (--start-top below) --start-logit
        \(OptionRange.number(DemoSettings.startLogit)).
        The embedded default model is vtv-small, a 112x112-canvas MAE-VQGAN trained on synthetic prompts
        (tools/train, docs/model-card.md) whose training never saw these scenes.
        """,
    options: [
        .value("--model", "M.h5", "the model to run (default: the embedded vtv-small model)"),
        .value("--out", "DIR", "folder for every file of the run", default: "vtv-demo"),
        .value("--iterations", "N", "search iterations per task, at least 1", default: "80"),
        .value("--samples", "N", "masks per search iteration, at least 2", default: "48"),
        .value(
            "--count", "N", "collect prompts (the task means) and train prompts (the searches), at least 2",
            default: "32"),
        .value(
            "--train-prompts", "N",
            "train prompts the search's masks run on, 1 <= N < --count (the others choose the "
                + "best policy)", default: "10"),
        .value("--eval-count", "N", "eval prompts (the report), at least 1", default: "64"),
        .value("--tasks", "LIST", "tasks of the run", default: "segmentation,lowlight_enhance,inpaint,colorization"),
        .value(
            "--prompt-seed", "N",
            "seed of the synthetic prompts of all three roles (synthetic:N), at least 0; another seed gives other scenes",
            default: "0"),
        .value(
            "--start-top", "K",
            "the searched variables of highest taskness (the demo's vtv score) that start at logit "
                + "\(OptionRange.number(DemoSettings.startLogit)), the others at -1; 0: all at -1, as published",
            default: String(DemoSettings.defaultStartTop)),
        .value(
            "--baseline", "prompt|leave-one-out|batch",
            "the searches' baseline (vtv search --baseline; the demo before 2026-12-07 evening: prompt, with "
                + "--start-top 0 and --task-baseline none)", default: DemoSettings.defaultBaseline.rawValue),
        .value(
            "--task-baseline", "T=B,...|none",
            "tasks whose searches take their own baseline instead (vtv sweep --task-baseline); none: every task "
                + "takes --baseline",
            default: DemoSettings.defaultTaskBaselinesValue)
    ],
    distributed: true
) { args in
    let out = try args.required("--out")
    let iterations = try args.int("--iterations", atLeast: 1)!
    let samples = try args.int(
        "--samples", atLeast: 2, why: "the losses of an iteration's masks are standardized into advantages")!
    let count = try args.int("--count", atLeast: 2, why: "the search holds some of its prompts out")!
    let trainPrompts = try args.int(
        "--train-prompts", in: 1...count - 1, why: "the other --count train prompts choose the best policy")!
    let evalCount = try args.int("--eval-count", atLeast: 1)!
    let promptSeed = try args.int("--prompt-seed", atLeast: 0)!
    let startTop = try args.int("--start-top", atLeast: 0)!
    let baseline = SearchSettings.Baseline(
        rawValue: try args.choice("--baseline", SearchSettings.Baseline.allCases.map(\.rawValue))!)!
    var perTask: [PromptTask: SearchSettings.Baseline] = [:]
    for (task, value) in try taskBaselines(
        args.string("--task-baseline"), option: "--task-baseline", tasks: PromptTask.every.map(\.rawValue))
    {
        perTask[PromptTask(rawValue: task)!] = value
    }
    guard try args.required("--tasks").split(separator: ",").count >= 2 else {
        throw UsageError("--tasks needs at least two tasks: scoring candidates compares tasks")
    }
    let settings = DemoSettings(
        model: try args.string("--model") ?? DefaultModel.path(), embedded: args.string("--model") == nil, out: out,
        iterations: iterations, samples: samples, count: count, trainPrompts: trainPrompts, evalCount: evalCount,
        tasks: try parseTasks(args), promptSeed: promptSeed, startTop: startTop,
        baseline: baseline, taskBaselines: perTask)
    guard let report = try runDemo(settings, world: .world) else { return 0 }
    print(
        "\nzero-shot + task vectors recover this share of the one-shot advantage on the \(evalCount) eval prompts "
            + "of \(settings.promptSource) "
            + "((TV - zero-shot) / (one-shot - zero-shot); 100%: as good as showing the example, 0%: as not showing it):"
    )
    func number(_ value: Double) -> String { String(format: "%.4f", value) }
    for (task, share) in report.shares {
        print(
            "  \(task): \(share.formatted) (one-shot \(number(share.oneShot)), zero-shot \(number(share.zeroShot)), "
                + "zero-shot + TV \(number(share.taskVectors)))")
    }
    print("demo finished: \(report.readme)")
    return 0
}
