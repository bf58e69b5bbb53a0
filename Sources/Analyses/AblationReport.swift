import Foundation
import Imaging
import Plotting
import Search

/// What `vtv ablate` measured (ablation.json, docs/formats.md#ablation-report); `Ablation` says what
/// each part is. Every `VariantResult` is over the same prompts.
public struct AblationReport: Codable, Equatable, Sendable {
    public struct SetInfo: Codable, Equatable, Sendable {
        public var file: String
        public var task: String
        public var granularity: Int
        public var origin: String
        public var variables: [Int]
    }

    /// One variable of the set, left out.
    public struct LeftOut: Codable, Equatable, Sendable {
        public var variable: Int
        public var name: String
        /// 1 for the variable of highest taskness among all candidates.
        public var tasknessRank: Int
        /// How much better the set does than the set without it (metric units, positive: it helps).
        public var importance: Double
        public var without: VariantResult
    }

    public struct CurvePoint: Codable, Equatable, Sendable {
        public var k: Int
        public var result: VariantResult
    }

    public struct RandomSets: Codable, Equatable, Sendable {
        public var draws: Int
        public var seed: UInt64
        public var perDraw: [VariantResult]
        /// Over the draws' means: the interval is across draws.
        public var drawMeans: MetricSummary
        /// The share of draws the set's mean beats.
        public var setBeatsShare: Double
    }

    public var model: ReportModel
    public var taskVectors: SetInfo
    public var activations: String
    /// Where the taskness ranking came from.
    public var taskness: String
    public var prompts: ReportPrompts
    /// "iou" or "mse".
    public var metric: String
    public var higherIsBetter: Bool
    public var oneShot: VariantResult
    public var zeroShot: VariantResult
    public var set: VariantResult
    /// nil when the set has no encoder (decoder) variable.
    public var encoderOnly: VariantResult?
    public var decoderOnly: VariantResult?
    public var leaveOneOut: [LeftOut]
    /// The set's variables added in taskness order: k = 1..|set|.
    public var setByTaskness: [CurvePoint]
    /// The k candidates of highest taskness: k = 1..|set|.
    public var topKByTaskness: [CurvePoint]
    public var random: RandomSets
    /// The largest |file vector − task mean| over the set's head outputs (0: the set's vectors are the
    /// activations file's means, as when it was searched with that file).
    public var setVectorsDifferenceFromMeans: Double

    public func jsonData() throws -> Data { try reportJSON(self) }

    public static func decode(_ data: Data) throws -> AblationReport { try decodeReport(Self.self, from: data) }

    public func markdown() -> String {
        let arrow = higherIsBetter ? "higher is better" : "lower is better"
        var lines = [
            "# vtv ablate: \(taskVectors.task)", "",
            "Set: `\(taskVectors.file)` (\(taskVectors.variables.count) variable(s), granularity "
                + "\(taskVectors.granularity); \(taskVectors.origin)). Model `\(model.path)` (hash \(model.hash)). "
                + "Prompts: \(prompts.words). Metric: \(metric) (\(arrow)); each cell is the mean over the prompts "
                + "± the 95% interval half-width, and in brackets the share of the one-shot advantage recovered, "
                + "(variant − zero-shot) / (one-shot − zero-shot).",
            "", "| variant | variables | \(metric) (recovered) |", "|---|---|---|",
            "| one-shot | — | \(oneShot.cell) |", "| zero-shot | — | \(zeroShot.cell) |",
            "| **the set** | \(set.variables.count) | **\(set.cell)** |"
        ]
        for (name, result) in [("encoder only", encoderOnly), ("decoder only", decoderOnly)] {
            lines.append("| \(name) | \(result.map { "\($0.variables.count)" } ?? "0") | \(result?.cell ?? "—") |")
        }
        lines.append(
            "| random sets of \(set.variables.count) (\(random.draws) draws) | \(set.variables.count) | "
                + random.drawMeans.formatted() + " (interval across draws) |")
        lines += [
            "",
            "The set beats " + String(format: "%.0f%%", random.setBeatsShare * 100) + " of the \(random.draws) random "
                + "sets of its size (drawn uniformly from all candidates, seed \(random.seed)). "
                + "Vectors outside the set are the task means of `\(activations)`; the set's own vectors differ "
                + "from them by at most \(String(format: "%.3g", setVectorsDifferenceFromMeans)). Taskness: \(taskness).",
            "", "## Leave one out", "",
            "Importance: how much better the set does than the set without the variable (\(metric), positive: "
                + "it helps).", "",
            "| variable | taskness rank | without it | importance |", "|---|---|---|---|"
        ]
        for v in leaveOneOut.sorted(by: { $0.importance > $1.importance }) {
            lines.append(
                "| \(v.variable) (\(v.name)) | \(v.tasknessRank) | \(v.without.cell) | " + fixed(v.importance) + " |")
        }
        lines += [
            "", "## Taskness curves", "",
            "| k | the set's top-k by taskness | top-k of all candidates by taskness |", "|---|---|---|"
        ]
        for (a, b) in zip(setByTaskness, topKByTaskness) {
            lines.append("| \(a.k) | \(a.result.cell) | \(b.result.cell) |")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// ablation.png: the taskness curves with the references, the variants as bars, and the
    /// leave-one-out importances.
    public func figurePNG() throws -> Data {
        let k = Double(set.variables.count)
        func level(_ name: String, _ value: Double, _ band: Double?, _ color: RGB) -> LineSeries {
            LineSeries(name: name, x: [1, k], y: [value, value], band: band.map { [$0, $0] }, color: color)
        }
        let palette = RGB.seriesPalette
        let curves = try lineChartFigure(
            title: "\(taskVectors.task): patched subsets by size", xLabel: "k (variables patched)", yLabel: metric,
            series: [
                LineSeries(
                    name: "set, top-k by taskness", x: setByTaskness.map { Double($0.k) },
                    y: setByTaskness.map(\.result.summary.mean), color: palette[0], markers: true),
                LineSeries(
                    name: "all, top-k by taskness", x: topKByTaskness.map { Double($0.k) },
                    y: topKByTaskness.map(\.result.summary.mean), color: palette[1], markers: true),
                level("one-shot", oneShot.summary.mean, nil, palette[2]),
                level("zero-shot", zeroShot.summary.mean, nil, palette[3]),
                level("random sets (95%)", random.drawMeans.mean, random.drawMeans.halfWidth, palette[4])
            ])
        var variants = [
            Bar(label: "one-shot", value: oneShot.summary.mean, spread: oneShot.summary.halfWidth, color: palette[2]),
            Bar(
                label: "zero-shot", value: zeroShot.summary.mean, spread: zeroShot.summary.halfWidth,
                color: palette[3]),
            Bar(label: "set", value: set.summary.mean, spread: set.summary.halfWidth, color: palette[0])
        ]
        for (name, result) in [("encoder only", encoderOnly), ("decoder only", decoderOnly)] {
            variants.append(
                Bar(
                    label: name, value: result?.summary.mean ?? .nan, spread: result?.summary.halfWidth,
                    color: palette[5 % palette.count]))
        }
        variants.append(
            Bar(
                label: "random", value: random.drawMeans.mean, spread: random.drawMeans.halfWidth,
                color: palette[4]))
        let bars = barChartFigure(
            title: "\(metric) by variant (whiskers: 95% interval)", yLabel: metric, bars: variants, height: 420)
        let importance = barChartFigure(
            title: "leave-one-out importance (\(metric) lost without the variable)", yLabel: "importance",
            bars: leaveOneOut.map { Bar(label: shortName($0.name), value: $0.importance, color: palette[0]) },
            height: 480)
        return try stackedPNG([curves, bars, importance], name: "ablation.png")
    }
}
