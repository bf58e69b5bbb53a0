import Foundation
import Imaging
import Randomness

extension ModelConfiguration {
    /// A freshly initialised MAE-VQGAN, as the original code initialises a model before training:
    /// the MAE part by `initialMAEWeights(seed:)`, the VQGAN by `VQGANConfiguration.initialize`.
    public func initialWeights(seed: UInt64) -> WeightStore {
        var store = initialMAEWeights(seed: seed)
        for (name, t) in vqgan.initialize(seed: seed, prefix: "vae.").tensors { store[name] = t }
        return store
    }

    /// The MAE tensors as MAE's `initialize_weights` leaves them: Linear weights xavier-uniform
    /// (bound sqrt(6 / (in + out))) with zero biases; the patch embedding's weight xavier-uniform
    /// over its [width, 3*p*p] view with PyTorch's default conv bias (uniform +-1/sqrt(3*p*p));
    /// LayerNorms weight 1, bias 0; cls and mask tokens normal(0, 0.02); the fixed 2D sin-cos
    /// position tables. Every tensor draws from its own stream, `RandomStream(seed:name:)`.
    public func initialMAEWeights(seed: UInt64) -> WeightStore {
        var store = WeightStore()
        for (name, shape) in maeTensorShapes {
            let count = shape.reduce(1, *)
            let stream = RandomStream(seed: seed, name: name)
            let values: [Float]
            if name == "pos_embed" || name == "decoder_pos_embed" {
                values = sinCosPositionTable(width: shape[2], grid: grid)
            } else if name == "cls_token" || name == "mask_token" {
                values = (0..<count).map { stream.normal(UInt64($0), standardDeviation: 0.02) }
            } else if name.hasSuffix(".weight") && shape.count >= 2 {
                let fanOut = shape[0], fanIn = count / shape[0]
                let bound = (6 / Float(fanIn + fanOut)).squareRoot()
                values = (0..<count).map { stream.uniform(UInt64($0), -bound, bound) }
            } else if name == "patch_embed.proj.bias" {
                let bound = 1 / Float(rgbChannels * patchSize * patchSize).squareRoot()
                values = (0..<count).map { stream.uniform(UInt64($0), -bound, bound) }
            } else if name.hasSuffix("norm1.weight") || name.hasSuffix("norm2.weight") || name.hasSuffix("norm.weight")
            {
                values = [Float](repeating: 1, count: count)
            } else {
                values = [Float](repeating: 0, count: count)
            }
            store[name] = Tensor(shape: shape, values: values)
        }
        return store
    }
}

/// MAE's fixed 2D sin-cos position table, [1 + grid*grid, width] row-major
/// (docs/paper.md#model): row 0 (cls) is zeros; row 1 + (r*grid + c) holds the column c in its first
/// width/2 channels and the row r in the last width/2, each half being [sin(p w_k) for k] then
/// [cos(p w_k) for k] with w_k = 1 / 10000^(k / (width/4)), k < width/4. Computed in Double and
/// rounded once, as the original computes it in float64 with numpy.
public func sinCosPositionTable(width: Int, grid: Int) -> [Float] {
    precondition(width % 4 == 0, "a sin-cos table needs a width divisible by 4")
    let quarter = width / 4
    var table = [Float](repeating: 0, count: (1 + grid * grid) * width)
    for r in 0..<grid {
        for c in 0..<grid {
            let row = (1 + r * grid + c) * width
            for (half, p) in [(0, c), (1, r)] {
                for k in 0..<quarter {
                    let angle = Double(p) / pow(10000, Double(k) / Double(quarter))
                    table[row + half * 2 * quarter + k] = Float(sin(angle))
                    table[row + half * 2 * quarter + quarter + k] = Float(cos(angle))
                }
            }
        }
    }
    return table
}
