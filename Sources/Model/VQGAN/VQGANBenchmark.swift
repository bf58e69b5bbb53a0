import Imaging
import Randomness

/// Timing of the VQGAN on random weights, for `vtv bench forward --vqgan encode|decode` and
/// docs/benchmarks.md. The work is the one the search repeats: tokenizing 224x224 canvases, or
/// decoding 14x14 token grids to 224x224 images.
public enum VQGANBenchmark {
    public enum Stage: String, CaseIterable, Sendable {
        case encode, decode
    }

    public struct Result: Sendable, CustomStringConvertible {
        public let stage: Stage
        public let batch: Int
        /// Seconds per call (one call handles `batch` canvases), sorted ascending.
        public let seconds: [Double]
        /// Multiply-add FLOPs (2 per MAC) of the convolutions and attention products per canvas.
        public let flopsPerCanvas: Double

        public var median: Double { seconds[seconds.count / 2] }
        public var best: Double { seconds[0] }
        /// Achieved GFLOP/s at the median time.
        public var gflops: Double { flopsPerCanvas * Double(batch) / median / 1e9 }

        public var description: String {
            func f(_ x: Double, _ digits: Int) -> String {
                var s = String(Int((x * pow10(digits)).rounded()))
                while s.count <= digits { s = "0" + s }
                return digits == 0 ? s : String(s.dropLast(digits)) + "." + String(s.suffix(digits))
            }
            return "vqgan \(stage.rawValue) batch \(batch): median \(f(median, 3)) s, best \(f(best, 3)) s, "
                + "\(f(flopsPerCanvas / 1e9, 1)) GFLOP per canvas, \(f(gflops, 1)) GFLOP/s over \(seconds.count) runs"
        }

        private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { r, _ in r * 10 } }
    }

    /// Runs `stage` `repeats` times (after one warm-up call) on random weights drawn with `seed`.
    public static func run(
        configuration: VQGANConfiguration = .released, stage: Stage, batch: Int = 1,
        repeats: Int = 5, side: Int = 224, seed: UInt64 = 0
    ) throws -> Result {
        let weights = configuration.initialize(seed: seed)
        let grid = side / configuration.downsampling
        let noise = RandomStream(seed: seed, name: "benchmark inputs")
        var call: () throws -> Void
        switch stage {
        case .encode:
            let encoder = try VQGANEncoder(configuration: configuration, weights: weights)
            encoder.batchLimit = batch
            let canvases = (0..<batch * rgbChannels * side * side).map { noise.unit(UInt64($0)) }
            call = { _ = try encoder.tokens(canvases: canvases, count: batch, height: side, width: side) }
        case .decode:
            let decoder = try VQGANDecoder(configuration: configuration, weights: weights)
            decoder.batchLimit = batch
            let tokens = (0..<batch * grid * grid).map {
                Int32(noise.bits(UInt64($0)) % UInt64(configuration.codebookSize))
            }
            call = { _ = try decoder.decode(tokens: tokens, count: batch, gridHeight: grid, gridWidth: grid) }
        }
        try call()
        let clock = ContinuousClock()
        var seconds: [Double] = []
        for _ in 0..<max(1, repeats) {
            let start = clock.now
            try call()
            let d = clock.now - start
            seconds.append(Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        }
        return Result(
            stage: stage, batch: batch, seconds: seconds.sorted(),
            flopsPerCanvas: flops(configuration, stage: stage, side: side))
    }

    /// FLOPs (2 per multiply-add) of one canvas through `stage`: every convolution, the attention
    /// products and (encode) the quantizer's distance GEMM; norms and activations not counted.
    public static func flops(_ c: VQGANConfiguration, stage: Stage, side: Int) -> Double {
        var total = 0.0
        func conv(_ cIn: Int, _ cOut: Int, _ k: Int, _ pixels: Int) { total += 2 * Double(cIn * cOut * k * k * pixels) }
        func resnet(_ cIn: Int, _ cOut: Int, _ pixels: Int) {
            conv(cIn, cOut, 3, pixels)
            conv(cOut, cOut, 3, pixels)
            if cIn != cOut { conv(cIn, cOut, 1, pixels) }
        }
        func attention(_ ch: Int, _ pixels: Int) {
            conv(ch, ch, 1, pixels * 4)
            total += 2 * 2 * Double(pixels * pixels * ch)
        }
        let lowest = c.levels - 1
        var s = side
        switch stage {
        case .encode:
            conv(c.inChannels, c.ch, 3, s * s)
            var ch = c.ch
            for level in 0...lowest {
                for _ in 0..<c.resBlocks {
                    resnet(ch, c.channels(level: level), s * s)
                    ch = c.channels(level: level)
                    if level == lowest { attention(ch, s * s) }
                }
                if level != lowest {
                    s = downsampledSide(s)
                    conv(ch, ch, 3, s * s)
                }
            }
            resnet(ch, ch, s * s); attention(ch, s * s); resnet(ch, ch, s * s)
            conv(ch, c.zChannels, 3, s * s)
            conv(c.zChannels, c.embedDim, 1, s * s)
            total += 2 * Double(s * s * c.embedDim * c.codebookSize)
        case .decode:
            s = side / c.downsampling
            conv(c.embedDim, c.zChannels, 1, s * s)
            var ch = c.channels(level: lowest)
            conv(c.zChannels, ch, 3, s * s)
            resnet(ch, ch, s * s); attention(ch, s * s); resnet(ch, ch, s * s)
            for level in stride(from: lowest, through: 0, by: -1) {
                for _ in 0..<c.decoderResBlocks {
                    resnet(ch, c.channels(level: level), s * s)
                    ch = c.channels(level: level)
                    if level == lowest { attention(ch, s * s) }
                }
                if level != 0 {
                    s *= 2
                    conv(ch, ch, 3, s * s)
                }
            }
            conv(ch, c.outChannels, 3, s * s)
        }
        return total
    }
}
