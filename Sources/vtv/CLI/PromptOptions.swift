import Distributed
import Foundation
import Prompts

/// The options of every command that works on prompts: where they come from (`--prompts P.h5`
/// or a generated `--source`), which of them (`--role`, `--count`), and how generated ones are drawn.
/// Add them to a command with `options: promptSelectionOptions + [...]` and open the prompts with
/// `openPromptSelection(args)`.
let promptSelectionOptions: [OptionSpec] = [
    .value("--prompts", "P.h5", "read prompts from a prompts file (vtv prompts export, or fixture.h5)"),
    .value("--source", "SPEC", "generate prompts instead: pascal:VOCDIR:SPLITFILE[:FOLD] or synthetic[:SEED[:BACKGROUNDS]]"),
    .value("--role", "R", "only prompts with this role (collect, train, eval...); labels generated prompts "
           + "(required with --source)"),
    .value("--count", "N", "use the first N selected prompts (default: all; required for synthetic sources)"),
    .value("--seed", "N", "with --source: seed of the support draws and in-painting squares (default 0)"),
    .value("--canvas-size", "S", "with --source: canvas side in pixels (default: the model's canvas)"),
]

/// Opens the prompts named by `promptSelectionOptions` and selects them by role and count.
/// `tasks`, when given, must all be available (a prompts file may hold fewer than the generated sources).
/// Generated canvases are `canvasSize` pixels wide unless `--canvas-size` says otherwise: commands
/// pass their model's canvas.
func openPromptSelection(_ args: ParsedArguments, tasks: [PromptTask] = [], canvasSize: Int) throws -> PromptSelection {
    let role = args.string("--role")
    let count = try args.int("--count")
    if let count, count < 1 { throw UsageError("--count must be at least 1, got \(count)") }
    let source: any PromptSource
    switch (args.string("--prompts"), args.string("--source")) {
    case let (path?, nil):
        if args.string("--seed") != nil || args.string("--canvas-size") != nil {
            throw UsageError("--seed and --canvas-size apply to generated prompts (--source), not to a prompts file")
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

/// Opens a `--source` string for `role`, with `--seed` and `--canvas-size` from `args`.
/// Malformed strings are usage errors. `canvasSize` applies when `--canvas-size` is absent.
func openGeneratedSource(_ text: String, role: String, count: Int?, args: ParsedArguments,
                         canvasSize: Int = 224) throws -> any PromptSource {
    let spec: PromptSourceSpec
    do {
        spec = try PromptSourceSpec(parsing: text)
    } catch let error as PromptSourceError {
        throw UsageError("--source: \(error)")
    }
    let seed = try args.int("--seed")
    if let seed, seed < 0 { throw UsageError("--seed must be non-negative, got \(seed)") }
    return try spec.open(role: role, count: count, seed: seed.map(UInt64.init), layout: try canvasLayout(args, default: canvasSize))
}

/// The layout from `--canvas-size` (`fallback` when absent).
func canvasLayout(_ args: ParsedArguments, default fallback: Int = 224) throws -> CanvasLayout {
    let size = try args.int("--canvas-size") ?? fallback
    guard size >= 8 else { throw UsageError("--canvas-size must be at least 8, got \(size)") }
    return CanvasLayout(size: size)
}

/// A task list option (`--tasks segmentation,inpaint`, `base` or `all`); unknown names are usage errors.
func parseTasks(_ args: ParsedArguments, _ name: String = "--tasks", default fallback: String = "base") throws -> [PromptTask] {
    do {
        return try PromptTask.parseList(args.string(name) ?? fallback)
    } catch let error as PromptSourceError {
        throw UsageError("\(name): \(error)")
    }
}

extension PromptSelection {
    /// This rank's prompts: the contiguous block `shard(indices.count, rank:, of:)` of the selected
    /// indices (Distributed's split: the first count % size ranks take one more). It depends only on
    /// the selection and the number of ranks, so per-prompt results gathered in rank order come back
    /// in selection order.
    func share(of world: Communicator) -> ArraySlice<Int> {
        indices[shard(indices.count, rank: world.rank, of: world.size)]
    }
}
