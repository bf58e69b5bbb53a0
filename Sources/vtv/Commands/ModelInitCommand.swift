import Foundation
import Model
import Pipeline

/// `vtv model init`: a randomly initialised model file (the original initialisation).
let modelInitCommand = Command(
    name: "model init",
    summary: "write a freshly initialised MAE-VQGAN model file",
    discussion: """
        MAE: xavier-uniform Linear weights and zero biases, unit LayerNorms, fixed 2D sin-cos position
        tables, cls and mask tokens normal(0, 0.02); VQGAN: PyTorch's default conv init. Every tensor
        draws from its own counter-based stream keyed by (seed, tensor name), so the file depends only on
        --config and --seed.
        """,
    options: [
        .value("--config", "NAME", "vit-large or tiny", required: true),
        .value("--seed", "N", "random seed, N >= 0", default: "0"),
        .value("--out", "M.h5", "the model file to write", required: true)
    ]
) { args in
    let name = try args.required("--config")
    let configuration = try ModelConfiguration.preset(name)
    let seed = try args.int("--seed", atLeast: 0)!
    let out = try args.required("--out")
    let weights = configuration.initialWeights(seed: UInt64(seed))
    try ModelFile.write(configuration: configuration, weights: weights, to: out)
    print(
        "wrote \(out): \(name), seed \(seed), \(weights.tensors.count) tensors, \(weights.parameterCount) parameters, "
            + "hash \(weights.contentHash)")
    return 0
}
