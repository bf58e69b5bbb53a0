import Imaging

/// The deterministic inputs of the Pillow resize sweep, generated from the input size alone,
/// bit for bit as `tools/pil/make_resize_sweep.py` generates them (its docstring is the
/// specification; `PillowSweepTests.testSweepInputsAreTheOnesThePillowScriptGenerated` checks
/// that both sides agree). All arithmetic is modulo 2^64.
enum SweepImages {
    /// SplitMix64's finaliser.
    static func mix64(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A counter-based hash of (seed, x, y, channel).
    static func noise(_ s: UInt64, _ x: Int, _ y: Int, _ c: Int) -> UInt64 {
        mix64(
            s &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(x) &* 0xD1B5_4A32_D192_ED03
                &+ UInt64(y) &* 0xABC9_8388_FB8F_AC03 &+ UInt64(c) &* 0x8CB9_2BA7_2F3D_8DD7)
    }

    /// The seed of a `width` x `height` input.
    static func seed(width: Int, height: Int) -> UInt64 { UInt64(width * 4096 + height) }

    /// The class segmented in a `width` x `height` input: 1...20.
    static func classID(width: Int, height: Int) -> Int { 1 + Int(seed(width: width, height: height) % 20) }

    /// The RGB input: [height, width, 3]. Each 4x4 block is noise, a gradient, hard black-and-white
    /// stripes or a flat colour, chosen by the block's own hash.
    static func rgb(width w: Int, height h: Int) -> Image8 {
        let s = seed(width: w, height: h)
        var pixels = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h {
            for x in 0..<w {
                let block = noise(s, x / 4, y / 4, 3)
                let gx = 255 * x / max(w - 1, 1), gy = 255 * y / max(h - 1, 1)
                for c in 0..<3 {
                    let v: UInt64
                    switch block % 4 {
                    case 0: v = noise(s, x, y, c) & 255
                    case 1: v = UInt64((gx * (c + 1) + gy * (3 - c)) / 4)
                    case 2: v = ((x + (c + 1) * y) / 3) % 2 == 0 ? 255 : 0
                    default: v = (block >> UInt64(8 + 8 * c)) & 255
                    }
                    pixels[(y * w + x) * 3 + c] = UInt8(v)
                }
            }
        }
        return Image8(width: w, height: h, channels: 3, pixels: pixels)
    }

    /// The label image: [height, width] indices 0...20 and 255 (boundary), in square regions whose
    /// side depends on the seed; a third of the regions are the segmented class.
    static func labels(width w: Int, height h: Int) -> Image8 {
        let s = seed(width: w, height: h)
        let side = [1, 2, 3, 5, 8, 13, 21][Int(s % 7)]
        let target = UInt8(classID(width: w, height: h))
        var pixels = [UInt8](repeating: 0, count: w * h)
        for y in 0..<h {
            for x in 0..<w {
                let v = noise(s, x / side, y / side, 4)
                let other = (v >> 2) % 22
                pixels[y * w + x] = v % 3 == 0 ? target : other == 21 ? 255 : UInt8(other)
            }
        }
        return Image8(width: w, height: h, channels: 1, pixels: pixels)
    }

    /// The sweep fixture's 64-bit hash of `bytes`, as 16 lowercase hex digits: h = byte count, then
    /// h = mix64(h ^ w) for each 64-bit little-endian word w of the bytes (the last one zero-padded).
    static func hash(_ bytes: [UInt8]) -> String {
        var h = UInt64(bytes.count)
        bytes.withUnsafeBytes { raw in
            var i = 0
            while i + 8 <= raw.count {
                h = mix64(h ^ UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
                i += 8
            }
            if i < raw.count {
                var word: UInt64 = 0
                for j in i..<raw.count { word |= UInt64(raw[j]) << UInt64(8 * (j - i)) }
                h = mix64(h ^ word)
            }
        }
        let hex = String(h, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
