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
    return try exportPrompts(
        selection, tasks: tasks, seed: seed, to: try args.required("--out"), world: Communicator.world)
}

/// Builds the selected prompts on every rank (each its `share`) and writes them on rank 0, one round
/// at a time: in round k every rank builds the k-th prompt of its block and rank 0 gathers and stores
/// them, so rank 0 holds at most one prompt per rank. A failure on any rank (an unreadable image, a
/// label of the wrong size) is sent to rank 0, which reports it and discards the file; every rank
/// then returns 1 without aborting the job. Stored prompt i is selected prompt i.
func exportPrompts(
    _ selection: PromptSelection, tasks: [PromptTask], seed: Int?, to path: String,
    world: Communicator
) throws -> Int32 {
    let source = selection.source
    var writer: PromptsFileWriter?
    var failure: String?
    if world.isRoot {
        do {
            writer = try PromptsFileWriter(
                path: path, origin: source.origin, seed: seed, tasks: tasks, layout: source.layout)
        } catch {
            failure = "\(error)"
        }
    }
    func agreeOnFailure() throws -> Bool {
        var flag: [UInt8] = [failure == nil ? 0 : 1]
        try world.broadcast(&flag)
        return flag[0] != 0
    }

    let mine = selection.share(of: world)
    let rounds = shard(selection.indices.count, rank: 0, of: world.size).count
    let progress = ProgressReporter("prompts export", total: selection.indices.count, communicator: world)
    var stored = 0
    if try !agreeOnFailure() {
        for round in 0..<rounds {
            var message = ExportMessage.idle
            if round < mine.count {
                let position = mine.startIndex + round, index = selection.indices[position]
                let record = try? source.prompt(index)
                do {
                    message = .prompt(
                        position: position, record: try source.prompt(index),
                        canvases: try source.canvases(index, tasks: tasks))
                } catch {
                    let names = record.map { " (query \($0.query), support \($0.support))" } ?? ""
                    message = .failure("prompt \(index)\(names): \(error)")
                }
            }
            let (bytes, floats) = message.encoded()
            let counts = try world.gather([Int64(bytes.count), Int64(floats.count)])
            let allBytes = try world.gather(bytes), allFloats = try world.gather(floats)
            if let counts, let allBytes, let allFloats, let writer {
                var byteStart = 0, floatStart = 0
                for r in 0..<world.size where failure == nil {
                    let b = Int(counts[2 * r]), f = Int(counts[2 * r + 1])
                    let received = ExportMessage.decoded(
                        Array(allBytes[byteStart..<byteStart + b]),
                        Array(allFloats[floatStart..<floatStart + f]),
                        tasks: tasks, layout: source.layout)
                    byteStart += b
                    floatStart += f
                    switch received {
                    case .idle: break
                    case let .failure(text): failure = text
                    case let .prompt(position, record, canvases):
                        do {
                            try writer.write(position, record: record, canvases: canvases)
                            stored += 1
                        } catch {
                            failure = "\(error)"
                        }
                    }
                }
            }
            if try agreeOnFailure() { break }
            progress.update(stored)
        }
    }
    if world.isRoot {
        if failure == nil {
            do { try writer?.commit() } catch { failure = "\(error)" }
        } else {
            writer?.discard()
        }
    }
    if try agreeOnFailure() {
        if world.isRoot { printError("error: \(failure ?? "export failed")") }
        return 1
    }
    world.log(
        "wrote \(stored) prompt(s) x \(tasks.count) task(s) (\(tasks.map(\.rawValue).joined(separator: ", "))) "
            + "from \(source.origin) to \(path)")
    return 0
}

/// What one rank sends rank 0 in an export round: nothing, a built prompt, or why it failed.
/// Wire form: bytes = [kind] + UTF-8 payload (JSON of the record, or the error message);
/// floats = the canvases' values concatenated in task order, each [3, size, size].
private enum ExportMessage {
    case idle
    case prompt(position: Int, record: PromptRecord, canvases: [PromptCanvas])
    case failure(String)

    private struct Wire: Codable {
        let position: Int
        let query: String
        let support: String
        let classID: Int?
        let row: Int
        let col: Int
        let role: String?
    }

    func encoded() -> (bytes: [UInt8], floats: [Float]) {
        switch self {
        case .idle: return ([0], [])
        case let .failure(text): return ([2] + Array(text.utf8), [])
        case let .prompt(position, r, canvases):
            let wire = Wire(
                position: position, query: r.query, support: r.support, classID: r.classID,
                row: r.square.row, col: r.square.col, role: r.role)
            let json = (try? JSONEncoder().encode(wire)) ?? Data()
            return ([1] + Array(json), canvases.flatMap(\.values))
        }
    }

    static func decoded(_ bytes: [UInt8], _ floats: [Float], tasks: [PromptTask], layout: CanvasLayout) -> ExportMessage
    {
        guard let kind = bytes.first else { return .failure("export: an empty message from a rank") }
        let payload = Data(bytes.dropFirst())
        switch kind {
        case 0: return .idle
        case 2: return .failure(String(decoding: payload, as: UTF8.self))
        default:
            let n = 3 * layout.size * layout.size
            guard let w = try? JSONDecoder().decode(Wire.self, from: payload), floats.count == n * tasks.count else {
                return .failure("export: a garbled prompt message from a rank")
            }
            let record = PromptRecord(
                query: w.query, support: w.support, classID: w.classID,
                square: InpaintSquare(row: w.row, col: w.col), role: w.role)
            let canvases = tasks.enumerated().map { k, task in
                PromptCanvas(task: task, layout: layout, values: Array(floats[k * n..<(k + 1) * n]))
            }
            return .prompt(position: w.position, record: record, canvases: canvases)
        }
    }
}
