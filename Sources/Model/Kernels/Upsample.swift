/// Nearest-neighbour 2x enlargement (PyTorch `interpolate(scale_factor=2, mode="nearest")`),
/// written with a zero border so it can feed `conv3x3Winograd` directly.
/// x: [planes, height, width] -> y: [planes, 2*height + 2*border, 2*width + 2*border].
func upsampleNearest2x(
    _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>,
    planes: Int, height: Int, width: Int, border: Int
) {
    let ow = 2 * width, oh = 2 * height
    let pw = ow + 2 * border, ph = oh + 2 * border
    parallelFor(planes, grain: max(1, 32768 / (ph * pw))) { range in
        for p in range {
            let dst = y + p * ph * pw
            dst.update(repeating: 0, count: border * pw)
            for r in 0..<height {
                let src = x + (p * height + r) * width
                let row = dst + (2 * r + border) * pw
                row.update(repeating: 0, count: border)
                let body = row + border
                for c in 0..<width {
                    body[2 * c] = src[c]
                    body[2 * c + 1] = src[c]
                }
                (body + ow).update(repeating: 0, count: border)
                (row + pw).update(from: row, count: pw)
            }
            (dst + (oh + border) * pw).update(repeating: 0, count: border * pw)
        }
    }
}
