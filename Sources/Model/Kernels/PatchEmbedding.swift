import Imaging

/// ImageNet channel statistics the canvas is normalized with before the patch embedding.
let imageNetMean: [Float] = [0.485, 0.456, 0.406]
let imageNetStd: [Float] = [0.229, 0.224, 0.225]

/// Normalizes a canvas with the ImageNet mean and std and gathers the chosen patches as rows,
/// so that the patch embedding (a conv with kernel = stride = patch) is one matrix product with
/// the conv weight viewed as [out, 3 * patch * patch].
/// canvas: [3, side, side] row-major, values in [0, 1];
/// positions: grid indices (row * (side / patch) + col) of the patches to gather, in row order;
/// patches: [positions.count, 3 * patch * patch] row-major, each row ordered (channel, y, x) like
///   the conv weight's [in, kh, kw].
func gatherNormalizedPatches(
    canvas: UnsafePointer<Float>, side: Int, patch: Int,
    positions: UnsafeBufferPointer<Int>,
    into patches: UnsafeMutablePointer<Float>
) {
    let grid = side / patch
    let rowLength = rgbChannels * patch * patch
    for (r, position) in positions.enumerated() {
        let top = (position / grid) * patch, left = (position % grid) * patch
        var out = patches + r * rowLength
        for c in 0..<rgbChannels {
            let mean = imageNetMean[c], std = imageNetStd[c]
            for y in 0..<patch {
                let src = canvas + (c * side + top + y) * side + left
                for x in 0..<patch { out[x] = (src[x] - mean) / std }
                out += patch
            }
        }
    }
}
