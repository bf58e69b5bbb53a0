import Distributed
import Foundation
import Pipeline
import Prompts

/// The options of every command that works on prompts: where they come from (`--prompts P.h5`
/// or a generated `--source`), which of them (`--role`, `--count`), and how generated ones are drawn.
/// Add them to a command with `options: promptSelectionOptions + [...]` and open the prompts with
/// `openPromptSelection(args)`.
let promptSelectionOptions: [OptionSpec] = [
    .value("--prompts", "P.h5", "read prompts from a prompts file (vtv prompts export, or fixture.h5)"),
    .value(
        "--source", "SPEC",
        "generate prompts instead: pascal:VOCDIR:SPLITFILE[:FOLD], synthetic[:SEED[:BACKGROUNDS]][:folds=F,F...] or pairs:DIR (your own image pairs, task pairs)"
    ),
    .value(
        "--role", "R",
        "only prompts with this role (collect, train, eval...); labels generated prompts "
            + "(required with --source)"),
    .value("--count", "N", "use the first N selected prompts, N >= 1 (default: all; required for synthetic sources)"),
    .value(
        "--prompt-seed", "N",
        "with --source: seed of the generated prompts (support draws, in-painting squares, "
            + "synthetic scenes), N >= 0 (default 0)"),
    .value(
        "--canvas-size", "S", "with --source: canvas side in pixels, \(canvasSizeRange) (default: the model's canvas)"),
    retiredSeedOption
]

/// `--seed` where it used to seed generated prompts. Seed options are named for what they seed
/// (`--prompt-seed` the generated prompts, `--mask-seed` a search's masks); a plain `--seed` is kept
/// only by commands with one random stream of their own (`vtv model init`, the benchmarks). Refused
/// rather than given a new meaning, so no older command line silently draws other prompts.
let retiredSeedOption = OptionSpec.retired(
    "--seed",
    "--seed was renamed --prompt-seed (the seed of generated prompts: --prompt-seed N draws what --seed N drew); "
        + "seed options are named for what they seed, and a search's masks take --mask-seed")

/// Opens the prompts named by `promptSelectionOptions` and selects them by role and count.
/// `tasks`, when given, must all be available (a prompts file may hold fewer than the generated sources).
/// Generated canvases are `canvasSize` pixels wide unless `--canvas-size` says otherwise: commands
/// pass their model's canvas.
func openPromptSelection(_ args: ParsedArguments, tasks: [PromptTask] = [], canvasSize: Int) throws -> PromptSelection {
    let role = args.string("--role")
    let count = try args.int("--count", atLeast: 1)
    let source: any PromptSource
    switch (args.string("--prompts"), args.string("--source")) {
    case let (path?, nil):
        if args.string("--prompt-seed") != nil || args.string("--canvas-size") != nil {
            throw UsageError(
                "--prompt-seed and --canvas-size apply to generated prompts (--source), not to a prompts file")
        }
        source = try PromptsFile(path: path)
    case let (nil, text?):
        guard let role else { throw UsageError("--source needs --role R: the role labels the generated prompts") }
        source = try openGeneratedSource(text, role: role, count: count, args: args, canvasSize: canvasSize)
    case (.some, .some): throw UsageError("give either --prompts or --source, not both")
    case (nil, nil): throw UsageError("'\(args.command)' needs prompts: --prompts P.h5 or --source SPEC")
    }
    try source.requireTasks(tasks)
    return try PromptSelection(source: source, role: role, count: count)
}

/// The prompts named by `promptSelectionOptions`, opened by the stage (`openPromptSelection`).
func promptInput(_ args: ParsedArguments) -> PromptInput {
    PromptInput { tasks, canvasSize in try openPromptSelection(args, tasks: tasks, canvasSize: canvasSize) }
}

/// Opens a `--source` string for `role`, with `--prompt-seed` and `--canvas-size` from `args`.
/// Malformed strings are usage errors. `canvasSize` applies when `--canvas-size` is absent.
func openGeneratedSource(
    _ text: String, role: String, count: Int?, args: ParsedArguments,
    canvasSize: Int = 224
) throws -> any PromptSource {
    let spec: PromptSourceSpec
    do {
        spec = try PromptSourceSpec(parsing: text)
    } catch let error as PromptSourceError {
        throw UsageError("--source: \(error)")
    }
    let seed = try args.int("--prompt-seed", atLeast: 0)
    if let count, case .synthetic = spec {
        guard count <= SyntheticPromptSource.largestCount else {
            throw OptionRange.integers(1...SyntheticPromptSource.largestCount)
                .error("--count", got: "\(count)", why: "beyond it the roles of a synthetic source share scenes")
        }
        // Selecting the prompts lists their indices before any is built.
        var budget = MemoryBudget()
        budget.add(
            "--count", count, count: count, of: MemoryCost.promptIndex, for: "the indices of the selected prompts")
        try budget.check(limit: try MemoryBudget.agreedLimit(.world))
    }
    return try spec.open(
        role: role, count: count, seed: seed.map(UInt64.init), layout: try canvasLayout(args, default: canvasSize))
}

/// The accepted `--canvas-size` values, as help texts show them.
let canvasSizeRange = "\(CanvasLayout.acceptedSizes.lowerBound)...\(CanvasLayout.acceptedSizes.upperBound)"

/// The layout from `--canvas-size` (`fallback` when absent), which must lie in `CanvasLayout.acceptedSizes`.
func canvasLayout(_ args: ParsedArguments, default fallback: Int = 224) throws -> CanvasLayout {
    CanvasLayout(size: try canvasSize(args) ?? fallback)
}

/// `--canvas-size`, refused outside `CanvasLayout.acceptedSizes` (the reason is documented there).
func canvasSize(_ args: ParsedArguments) throws -> Int? {
    try args.int(
        "--canvas-size", in: CanvasLayout.acceptedSizes,
        why: "from quadrants of 3 pixels to a 256 x 256 grid of 16-pixel patches")
}

/// A task list option (`--tasks segmentation,inpaint`, `base` or `all`); unknown names are usage errors.
func parseTasks(_ args: ParsedArguments, _ name: String = "--tasks", default fallback: String = "base") throws
    -> [PromptTask]
{
    do {
        return try PromptTask.parseList(args.string(name) ?? fallback)
    } catch let error as PromptSourceError {
        throw UsageError("\(name): \(error)")
    }
}
