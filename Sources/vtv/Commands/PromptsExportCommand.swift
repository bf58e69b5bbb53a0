import Distributed
import Foundation
import Pipeline
import Prompts

/// `vtv prompts export`: builds prompts from a generated source and stores them in a prompts file.
let promptsExportCommand = Command(
    name: "prompts export",
    summary: "build prompts from PASCAL-5i or synthetic scenes and store them in a prompts file",
    discussion: """
        Prompt i of the file is prompt i of the source, so a file and the source it came from give the
        same canvases. PASCAL: prompt i takes split line i as query, a support of the same class and an
        in-painting square drawn from --prompt-seed and i; every listed file is checked before anything is built.
        Synthetic: prompt i of role R uses its own scenes (see docs/prompts.md), so one seed can give
        disjoint collect, train and eval sets. --tasks takes task names, 'base' (the five main tasks) or
        'all' (with the composites).
        Under mpirun each rank builds a contiguous block of the prompts and rank 0 writes the file; the
        contents do not depend on the number of ranks. The file appears only when complete.
        """,
    options: [
        .value(
            "--source", "SPEC",
            "pascal:VOCDIR:SPLITFILE[:FOLD], synthetic[:SEED[:BACKGROUNDS]][:folds=F,F...] or pairs:DIR",
            required: true),
        .value("--role", "R", "role stored with every prompt (collect, train, eval...)", required: true),
        .value("--count", "N", "number of prompts, N >= 1 (default: the whole split; required for synthetic)"),
        .value("--tasks", "LIST", "tasks to store: names separated by commas, base or all", default: "base"),
        .value(
            "--prompt-seed", "N",
            "seed of the generated prompts (support draws, in-painting squares, synthetic scenes), "
                + "N >= 0 (default 0)"),
        .value("--canvas-size", "S", "canvas side in pixels, \(canvasSizeRange) (default 224)"),
        .value("--out", "P.h5", "the prompts file to write", required: true),
        retiredSeedOption
    ],
    distributed: true
) { args in
    let tasks = try parseTasks(args)
    let role = try args.required("--role")
    let count = try args.int("--count", atLeast: 1)
    let source = try openGeneratedSource(try args.required("--source"), role: role, count: count, args: args)
    // In each round rank 0 holds one prompt of every rank, all tasks.
    var budget = MemoryBudget()
    let world = Communicator.world
    budget.add(
        "--canvas-size", source.layout.size, count: world.size * tasks.count,
        of: 2 * MemoryCost.canvas(side: source.layout.size), for: "one round of prompts from \(world.size) rank(s)")
    try budget.check(limit: try MemoryBudget.agreedLimit(world))
    let selection = try PromptSelection(source: source, role: role, count: count)
    // The seed that drew the prompts: the synthetic source's own, or the PASCAL draw seed.
    let drawSeed = try args.int("--prompt-seed") ?? 0
    let seed = (source as? SyntheticPromptSource).map { Int(truncatingIfNeeded: $0.images.seed) } ?? drawSeed
    let settings = PromptsExport.Settings(
        selection: selection, tasks: tasks, seed: seed, path: try args.required("--out"))
    do {
        let report = try PromptsExport.run(settings, world: world)
        world.log(report.summary)
        return 0
    } catch let failure as PromptsExport.Failure {
        printError("error: \(failure.message)")
        return 1
    }
}
