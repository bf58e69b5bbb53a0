import Foundation
import Model
import ModelImport
import Pipeline
import Storage

/// `vtv model convert`: released PyTorch checkpoints -> an HDF5 model file, with no Python.
let modelConvertCommand = Command(
    name: "model convert",
    summary: "convert PyTorch MAE-VQGAN checkpoints into a vtv model file",
    discussion: """
        Reads the MAE checkpoint (its `model` entry, or `state_dict`, or the top level) and the VQGAN,
        either from the MAE checkpoint's `vae.*` keys or from --vqgan (a taming/Lightning checkpoint,
        which wins when both are present). Training-only keys (`loss.*`) are ignored. Every tensor the
        model needs is checked for presence and shape, and all problems are listed at once. float16 and
        bfloat16 tensors become float32. The model file is written atomically.
        """,
    options: [
        .value("--mae", "CKPT", "the MAE-VQGAN checkpoint (.pth, zip or legacy format)", required: true),
        .value("--vqgan", "CKPT", "a separate VQGAN checkpoint (e.g. vqgan.ckpt)"),
        .value("--config", "NAME", "vit-large, tiny, or auto (read dimensions off tensor shapes)", default: "auto"),
        .value("--heads", "E,D", "encoder and decoder head counts, for --config auto on a non-standard model"),
        .value("--out", "M.h5", "the model file to write", required: true)
    ]
) { args in
    let choice = try args.required("--config")
    let configuration: ModelConfiguration? = choice == "auto" ? nil : try ModelConfiguration.preset(choice)
    var heads: (encoder: Int, decoder: Int)?
    if let h = try args.ints("--heads", in: 1 ... .max) {
        guard h.count == 2 else { throw UsageError("--heads expects two positive counts, e.g. 16,16") }
        heads = (h[0], h[1])
    }
    let started = Date()
    let conversion = try CheckpointConversion(
        mae: try args.required("--mae"), vqgan: args.string("--vqgan"),
        configuration: configuration, heads: heads)
    let out = try args.required("--out")
    try conversion.writeModelFile(to: out)
    printConversionSummary(conversion.summary, out: out, seconds: Date().timeIntervalSince(started))
    return 0
}

private func printConversionSummary(_ s: CheckpointConversion.Summary, out: String, seconds: Double) {
    let c = s.configuration
    print("wrote \(out): \(s.tensors) tensors, \(s.parameters) parameters in \(String(format: "%.2f", seconds)) s")
    print(
        "  configuration: \(c.imageSize)px canvas, patch \(c.patchSize); encoder \(c.encoder.depth)x\(c.encoder.width) "
            + "(\(c.encoder.heads) heads), decoder \(c.decoder.depth)x\(c.decoder.width) (\(c.decoder.heads) heads), "
            + "vocabulary \(c.vocabulary); VQGAN ch \(c.vqgan.ch) x \(c.vqgan.chMult), z \(c.vqgan.zChannels)")
    print("  VQGAN from: \(s.vqganSource)")
    if s.dtypeConversions.isEmpty {
        print("  dtype conversions: none (all float32)")
    } else {
        for (what, n) in s.dtypeConversions.sorted(by: { $0.key < $1.key }) {
            print("  dtype conversion \(what): \(n) tensors")
        }
    }
    let byReason = Dictionary(grouping: s.ignored, by: { $0.reason })
    for (reason, keys) in byReason.sorted(by: { $0.key < $1.key }) {
        let examples = keys.prefix(3).map(\.key).joined(separator: ", ")
        print(
            "  ignored \(keys.count) key\(keys.count == 1 ? "" : "s") (\(reason)): \(examples)\(keys.count > 3 ? ", ..." : "")"
        )
    }
}
