import Benchmarks
import Foundation
import Model
import Pipeline
import Randomness

/// `vtv bench forward`: MAE forward-pass speed on random weights, for docs/benchmarks.md.
let benchForwardCommand = Command(
    name: "bench forward",
    summary: "time the MAE forward pass (random weights) per batch size",
    discussion: """
        Builds the model from the original initialisation with --seed (no file needed), draws random
        canvases in [0, 1], runs one warm-up batch, then --repeats timed batches per batch size.
        Prints the median milliseconds per sample, GFLOP/s from the analytic FLOP count (2*m*n*k per
        matrix product, as tools/bench/torch_forward.py counts) and the process's peak RSS.
        With --with-vqgan the process loads as the pipeline does (MAE + VQGAN encoder and decoder from
        one store) and, after each batch size's timed runs, encodes the canvases and renders the
        predictions once, untimed, so the peak RSS covers a whole zero-shot prompt batch.
        With --vqgan encode|decode it times the VQGAN of --config's model instead, as `vtv bench vqgan`
        does (seconds per canvas; --batch defaults to 1 there).
        --precision bf16 runs the MAE's Linear layers with bf16 products and fp32 sums (AVX512_BF16's
        vdpbf16ps; refused on a CPU without it); the header line reports the packed Linear weights'
        memory either way. fp32, the default, is the reference.
        """,
    options: [
        .value("--config", "NAME", "vit-large or tiny", default: "vit-large"),
        .value("--mode", "MODE", "zero-shot or one-shot", default: "zero-shot"),
        .value("--batch", "B[,B...]", "batch sizes, each at least 1 (default: 1,8,32; with --vqgan 1)"),
        .value("--repeats", "N", "timed batches per batch size, at least 1", default: "5"),
        .value("--threads", "N", "OpenBLAS threads, 1...\(largestBLASThreads) (default: OpenBLAS' setting)"),
        .value("--seed", "N", "weight seed, N >= 0", default: "0"),
        .flag("--with-vqgan", "also build the VQGAN encoder and decoder and run them once per batch size (peak RSS)"),
        .value("--vqgan", "STAGE", "time the VQGAN's encode or decode stage instead of the MAE"),
        .value("--precision", "P", "fp32 or bf16: the arithmetic of the MAE's Linear layers", default: "fp32")
    ]
) { args in
    let configuration = try ModelConfiguration.preset(try args.required("--config"))
    let precision = LinearPrecision(
        rawValue: try args.choice("--precision", LinearPrecision.allCases.map(\.rawValue)) ?? "fp32")!
    do {
        try precision.checkSupported()
    } catch {
        throw UsageError("--precision bf16: \(error)")
    }
    if precision != .fp32 && args.string("--vqgan") != nil {
        throw UsageError("--precision applies to the MAE's Linear layers; the VQGAN stages run in fp32")
    }
    if let stage = try args.choice("--vqgan", ["encode", "decode"]) {
        return try benchVQGAN(
            configuration.vqgan, stage: VQGANBenchmark.Stage(rawValue: stage)!,
            batches: try args.ints("--batch", in: 1 ... .max) ?? [1], args: args)
    }
    guard let mode = PromptMode(rawValue: try args.choice("--mode", PromptMode.allCases.map(\.rawValue)) ?? "zero-shot")
    else {
        throw UsageError("--mode must be zero-shot or one-shot")
    }
    let batches = try args.ints("--batch", in: 1 ... .max) ?? [1, 8, 32]
    guard let largest = batches.max() else { throw UsageError("--batch lists no batch size") }
    let repeats = try args.int("--repeats", atLeast: 1)!
    try applyBLASThreadsOption(args)
    let seed = UInt64(try args.int("--seed", atLeast: 0)!)
    let withVQGAN = args.flag("--with-vqgan")
    // The largest batch's random canvases and forward pass (and its encoding and decoding with --with-vqgan).
    var budget = MemoryBudget()
    budget.add(
        "--batch", largest, count: largest,
        of: MemoryCost.forwardSample(configuration) + MemoryCost.canvas(side: configuration.imageSize)
            + (withVQGAN ? MemoryCost.decodedImage(side: configuration.imageSize) : 0),
        for: "the largest batch's canvases and forward pass")
    try budget.check()
    let report = try ForwardBenchmark.run(
        ForwardBenchmark.Settings(
            configuration: configuration, configurationName: try args.required("--config"), mode: mode,
            batches: batches, repeats: repeats, seed: seed, withVQGAN: withVQGAN, precision: precision))
    report.lines.forEach { print($0) }
    return 0
}
