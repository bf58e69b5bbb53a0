import Model
import Pipeline

/// `vtv bench vqgan`: VQGAN tokenizer/decoder speed on random weights, for docs/benchmarks.md
/// (compare with tools/bench/torch_vqgan.py at the same thread count).
let benchVQGANCommand = Command(
    name: "bench vqgan",
    summary: "time the VQGAN encoder (canvas -> tokens) or decoder (tokens -> image), random weights",
    discussion: """
        Builds the VQGAN from PyTorch's default initialisation with --seed, draws random 224x224
        canvases (encode) or random 14x14 token grids (decode), runs one warm-up call, then --repeats
        timed calls per batch size. Prints the median seconds per call and GFLOP/s from the analytic
        count (2 FLOPs per multiply-add of every convolution and attention product).
        """,
    options: [
        .value("--stage", "STAGE", "encode or decode", default: "decode"),
        .value("--config", "NAME", "released or small (the fixture's VQGAN)", default: "released"),
        .value("--batch", "B[,B...]", "canvases per call, each at least 1", default: "1"),
        .value("--repeats", "N", "timed calls per batch size, at least 1", default: "5"),
        .value("--threads", "N", "OpenBLAS threads, 1...\(largestBLASThreads) (default: OpenBLAS' setting)"),
        .value("--seed", "N", "weight seed, N >= 0", default: "0")
    ]
) { args in
    guard let stage = VQGANBenchmark.Stage(rawValue: try args.choice("--stage", ["encode", "decode"]) ?? "decode")
    else {
        throw UsageError("--stage must be encode or decode")
    }
    let configuration: VQGANConfiguration
    switch try args.choice("--config", ["released", "small"]) ?? "released" {
    case "small": configuration = .small
    default: configuration = .released
    }
    return try benchVQGAN(
        configuration, stage: stage, batches: try args.ints("--batch", in: 1 ... .max) ?? [1], args: args)
}

/// Times one VQGAN stage per batch size and prints a line each (`vtv bench vqgan`, and
/// `vtv bench forward --vqgan`); reads --repeats, --threads and --seed from `args`.
func benchVQGAN(
    _ configuration: VQGANConfiguration, stage: VQGANBenchmark.Stage, batches: [Int],
    args: ParsedArguments
) throws -> Int32 {
    guard let largest = batches.max() else { throw UsageError("--batch lists no batch size") }
    let repeats = try args.int("--repeats", atLeast: 1) ?? 5
    try applyBLASThreadsOption(args)
    let seed = UInt64(try args.int("--seed", atLeast: 0) ?? 0)
    // VQGANBenchmark draws the whole batch's 224x224 canvases (encode) or decodes it into as many images.
    var budget = MemoryBudget()
    budget.add(
        "--batch", largest, count: largest, of: MemoryCost.canvas(side: 224),
        for: "the largest batch's canvases or decoded images")
    try budget.check()
    print("OpenBLAS \(BLASRuntime.threads) thread(s), core \(BLASRuntime.coreName)")
    for batch in batches {
        print(
            try VQGANBenchmark.run(
                configuration: configuration, stage: stage, batch: batch, repeats: repeats, seed: seed))
    }
    return 0
}
