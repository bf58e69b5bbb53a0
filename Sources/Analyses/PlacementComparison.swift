import Foundation
import Imaging
import Model
import Plotting
import Search

/// What `vtv taskvectors compare` reads: two or more task-vectors files of one model and granularity
/// (e.g. the searches of several seeds, folds or rewards).
public struct ComparisonSettings {
    public var paths: [String]
    /// The report folder (`PlacementComparison.files`).
    public var out: String

    public init(paths: [String], out: String) {
        self.paths = paths
        self.out = out
    }
}

/// Where sets of task vectors lie and how much they agree: how often each candidate (stack, layer,
/// head, group) is chosen, each set's encoder share, the pairwise Jaccard overlap
/// |A ∩ B| / |A ∪ B| beside what two random sets of the same sizes would share on average, and the
/// chosen variables per layer (mean and sample standard deviation across the sets).
///
/// It reads files only: no model runs, so it is not distributed (under mpirun, rank 0 does it alone).
public enum PlacementComparison {
    /// The report's files.
    public static let files = ["compare.json", "compare.md", "compare.png"]

    /// Compares the sets and writes the report files into `settings.out`, all together.
    public static func run(_ settings: ComparisonSettings) throws -> ComparisonReport {
        guard settings.paths.count >= 2 else {
            throw SearchInputError.invalid(
                "comparing needs at least two task-vectors files (got \(settings.paths.count))")
        }
        let first = try loadTaskVectors(settings.paths[0], modelHash: nil, granularity: nil)
        var sets = [first]
        for path in settings.paths.dropFirst() {
            sets.append(try loadTaskVectors(path, modelHash: first.modelHash, granularity: first.granularity))
        }
        let report = ComparisonReport(paths: settings.paths, sets: sets)
        try ReportFolder.write(
            [
                "compare.json": try report.jsonData(), "compare.md": Data(report.markdown().utf8),
                "compare.png": try report.figurePNG()
            ], to: settings.out)
        return report
    }
}

/// What `vtv taskvectors compare` measured (compare.json, docs/formats.md#comparison-report).
public struct ComparisonReport: Codable, Equatable, Sendable {
    public struct SetInfo: Codable, Equatable, Sendable {
        public var file: String
        public var task: String
        public var origin: String
        public var variables: [Int]
        /// The share of the set's variables in the encoder.
        public var encoderShare: Double
    }

    /// A candidate chosen by at least one set.
    public struct Chosen: Codable, Equatable, Sendable {
        public var variable: Int
        public var name: String
        public var stack: String
        public var layer: Int
        public var head: Int
        public var group: Int
        /// How many sets chose it, and that as a share of the sets.
        public var count: Int
        public var share: Double
    }

    /// The chosen variables in one layer: per set, and their mean and sample standard deviation.
    public struct LayerCounts: Codable, Equatable, Sendable {
        public var stack: String
        public var layer: Int
        public var perSet: [Int]
        public var mean: Double
        public var standardDeviation: Double
    }

    public var modelHash: String
    public var granularity: Int
    /// The candidates of the granularity.
    public var candidates: Int
    /// Heads per layer of each stack ("encoder", "decoder").
    public var heads: [String: Int]
    public var sets: [SetInfo]
    /// By decreasing count, then variable.
    public var chosen: [Chosen]
    /// Candidates chosen by every set.
    public var chosenByAll: Int
    /// jaccard[i][j] = |S_i ∩ S_j| / |S_i ∪ S_j|.
    public var jaccard: [[Double]]
    /// The mean over pairs i < j.
    public var meanJaccard: Double
    /// The mean over pairs of the Jaccard overlap two independent uniform random sets of the same sizes
    /// would have in expectation, approximated as E|A∩B| / (|A| + |B| − E|A∩B|), E|A∩B| = |A||B| / candidates.
    public var chanceJaccard: Double
    public var encoderShareMean: Double
    public var encoderShareStandardDeviation: Double
    public var layers: [LayerCounts]

    init(paths: [String], sets vectors: [TaskVectors]) {
        let c = vectors[0].configuration, granularity = vectors[0].granularity
        let space = PatchVariables(configuration: c, granularity: granularity)
        modelHash = vectors[0].modelHash
        self.granularity = granularity.rawValue
        candidates = space.count
        heads = Dictionary(uniqueKeysWithValues: Stack.allCases.map { ("\($0)", c.stack($0).heads) })
        sets = zip(paths, vectors).map { path, v in
            SetInfo(
                file: path, task: v.task, origin: v.origin, variables: v.variables,
                encoderShare: Double(v.variables.filter { space.decode($0).stack == .encoder }.count)
                    / Double(v.variables.count))
        }
        var counts: [Int: Int] = [:]
        for v in vectors { for variable in v.variables { counts[variable, default: 0] += 1 } }
        chosen = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { variable, count in
            let d = space.decode(variable)
            return Chosen(
                variable: variable, name: space.name(of: variable), stack: "\(d.stack)", layer: d.layer, head: d.head,
                group: d.group, count: count, share: Double(count) / Double(vectors.count))
        }
        chosenByAll = counts.values.filter { $0 == vectors.count }.count
        let asSets = vectors.map { Set($0.variables) }
        jaccard = asSets.map { a in asSets.map { b in Double(a.intersection(b).count) / Double(a.union(b).count) } }
        var pairs: [Double] = [], chance: [Double] = []
        for i in asSets.indices {
            for j in asSets.indices where j > i {
                pairs.append(jaccard[i][j])
                let shared = Double(asSets[i].count * asSets[j].count) / Double(space.count)
                chance.append(shared / (Double(asSets[i].count + asSets[j].count) - shared))
            }
        }
        meanJaccard = pairs.reduce(0, +) / Double(pairs.count)
        chanceJaccard = chance.reduce(0, +) / Double(chance.count)
        (encoderShareMean, encoderShareStandardDeviation) = meanAndDeviation(sets.map(\.encoderShare))
        layers = Stack.allCases.flatMap { stack in
            (0..<c.stack(stack).depth).map { layer in
                let perSet = vectors.map { v in
                    v.variables.filter {
                        let d = space.decode($0); return d.stack == stack && d.layer == layer
                    }.count
                }
                let (mean, deviation) = meanAndDeviation(perSet.map(Double.init))
                return LayerCounts(
                    stack: "\(stack)", layer: layer, perSet: perSet, mean: mean, standardDeviation: deviation)
            }
        }
    }

    public func jsonData() throws -> Data { try reportJSON(self) }

    public static func decode(_ data: Data) throws -> ComparisonReport { try decodeReport(Self.self, from: data) }

    public func markdown() -> String {
        var lines = [
            "# vtv taskvectors compare: \(sets.count) sets", "",
            "Model hash \(modelHash), granularity \(granularity) (\(candidates) candidates).", "",
            "| # | file | task | variables | encoder share | origin |", "|---|---|---|---|---|---|"
        ]
        for (i, s) in sets.enumerated() {
            lines.append(
                "| \(i) | `\(s.file)` | \(s.task) | \(s.variables.count) | "
                    + String(format: "%.0f%%", s.encoderShare * 100) + " | \(s.origin) |")
        }
        lines += [
            "",
            "Encoder share: "
                + String(
                    format: "%.0f%% ± %.0f%% (mean ± sample sd across sets)", encoderShareMean * 100,
                    encoderShareStandardDeviation * 100)
                + ". Mean pairwise Jaccard overlap: **" + fixed(meanJaccard, 3) + "**, against "
                + fixed(chanceJaccard, 3) + " expected of random sets of the same sizes. \(chosenByAll) "
                + "candidate(s) chosen by every set.",
            "", "## Pairwise Jaccard overlap", "",
            "| | " + sets.indices.map { "\($0)" }.joined(separator: " | ") + " |",
            "|---|" + String(repeating: "---|", count: sets.count)
        ]
        for (i, row) in jaccard.enumerated() {
            lines.append("| \(i) | " + row.map { fixed($0, 3) }.joined(separator: " | ") + " |")
        }
        lines += [
            "", "## Chosen candidates (by how many sets chose them)", "", "| variable | name | sets | share |",
            "|---|---|---|---|"
        ]
        for c in chosen { lines.append("| \(c.variable) | \(c.name) | \(c.count) | " + fixed(c.share, 2) + " |") }
        lines += [
            "", "## Per layer (chosen variables)", "", "| stack | layer | per set | mean ± sd |", "|---|---|---|---|"
        ]
        for l in layers {
            lines.append(
                "| \(l.stack) | \(l.layer) | \(l.perSet.map(String.init).joined(separator: ", ")) | "
                    + fixed(l.mean, 2) + " ± " + fixed(l.standardDeviation, 2) + " |")
        }
        lines.append("")
        return lines.joined(separator: "\n")
    }

    /// compare.png: chosen variables per layer (bars: mean, whiskers: sd across sets), how often each
    /// head is chosen (share of sets, summed over its groups), and the Jaccard matrix.
    public func figurePNG() throws -> Data {
        let palette = RGB.seriesPalette
        let bars = barChartFigure(
            title: "chosen variables per layer (mean, whiskers: sd across \(sets.count) sets)",
            yLabel: "variables",
            bars: layers.map {
                Bar(
                    label: ($0.stack == "encoder" ? "E" : "D") + "\($0.layer)", value: $0.mean,
                    spread: $0.standardDeviation, color: palette[$0.stack == "encoder" ? 0 : 1])
            })
        var panels: [HeatmapPanel] = []
        for stack in ["encoder", "decoder"] {
            let here = layers.filter { $0.stack == stack }
            let heads = self.heads[stack] ?? 1
            var values = [Double](repeating: 0, count: here.count * heads)
            for c in chosen where c.stack == stack { values[c.layer * heads + c.head] += c.share }
            if !here.isEmpty {
                panels.append(
                    HeatmapPanel(title: "\(stack): share of sets", rows: here.count, columns: heads, values: values))
            }
        }
        let heads = try heatmapFigure(
            title: "how often each head is chosen", panels: panels, valueLabel: "share of sets (summed over groups)")
        let overlap = try heatmapFigure(
            title: "pairwise Jaccard overlap",
            panels: [
                HeatmapPanel(
                    title: "sets", rows: sets.count, columns: sets.count, values: jaccard.flatMap { $0 },
                    rowLabel: "set", columnLabel: "set")
            ], valueLabel: "Jaccard")
        return try stackedPNG([bars, heads, overlap], name: "compare.png")
    }
}

/// The mean and sample standard deviation (0 for a single value).
func meanAndDeviation(_ values: [Double]) -> (Double, Double) {
    let mean = values.reduce(0, +) / Double(values.count)
    guard values.count >= 2 else { return (mean, 0) }
    let squares = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) }
    return (mean, (squares / Double(values.count - 1)).squareRoot())
}
