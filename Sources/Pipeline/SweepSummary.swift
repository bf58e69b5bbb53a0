import Foundation
import Outputs
import Search

/// The summary a sweep writes into its folder: every run's settings, status, best held-out loss and
/// iteration, chosen variables, output file and seconds, as `sweep.json` and as a markdown table
/// (`sweep.md`). Runs finished by an earlier job are read back from their JSON reports.
public struct SweepSummary: Codable {
    public struct Run: Codable {
        public var name: String
        public var run: SweepRun
        public var settings: SearchSettings
        public var status: SweepResult.Status
        /// From the run's report; nil while it is unfinished.
        public var bestLoss: Double?
        public var bestIteration: Int?
        public var chosenVariables: Int?
        public var output: String
        public var report: String
        /// Seconds in this job (nil for runs finished before it).
        public var seconds: Double?
        /// Ranks of the group that ran it in this job (nil for runs finished before it).
        public var ranks: Int?
    }

    public var ranks: Int
    public var groups: Int
    public var runs: [Run]

    /// The summary's files in a sweep's folder.
    public static let files = ["sweep.json", "sweep.md"]

    public init(_ job: SweepJob, result: SweepResult, ranks: Int) throws {
        self.ranks = ranks
        groups = result.plan.groups.count
        var groupSize: [Int: Int] = [:]
        for group in result.plan.groups { for r in group.runs { groupSize[result.plannedRuns[r]] = group.size } }
        runs = try job.runs.enumerated().map { index, run in
            let outputs = job.outputs(run)
            let status = result.statuses[index]
            var entry = Run(
                name: run.name, run: run, settings: run.settings(job.base), status: status,
                output: outputs.taskVectors[0],
                report: outputs.json, seconds: status == .skipped ? nil : result.seconds[index], ranks: groupSize[index]
            )
            if status != .stopped {
                let report = try Self.readReport(outputs.json)
                entry.settings = report.settings
                entry.bestLoss = report.bestLoss
                entry.bestIteration = report.bestIteration
                entry.chosenVariables = report.chosenVariables.count
            }
            return entry
        }
    }

    public func write(folder: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try Publication.together {
            try StagedFile.write(try encoder.encode(self), to: folder + "/" + Self.files[0])
            try StagedFile.write(Data(markdown.utf8), to: folder + "/" + Self.files[1])
        }
    }

    public var markdown: String {
        var text =
            "# Sweep\n\n\(runs.count) searches on \(ranks) rank(s) in \(groups) group(s).\n\n"
            + "| run | task | seed | granularity | reward | stacks | status | best held-out loss | at iteration | variables | seconds | ranks | output |\n"
            + "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n"
        func show<T>(_ value: T?, _ format: (T) -> String) -> String { value.map(format) ?? "-" }
        for r in runs {
            text +=
                "| \(r.name) | \(r.run.task) | \(r.run.seed) | \(r.run.granularity) | \(r.run.reward.rawValue) | "
                + "\(r.run.stacks.rawValue) | \(r.status.rawValue) | \(show(r.bestLoss) { String(format: "%.5f", $0) }) | "
                + "\(show(r.bestIteration) { "\($0)" }) | \(show(r.chosenVariables) { "\($0)" }) | "
                + "\(show(r.seconds) { String(format: "%.1f", $0) }) | \(show(r.ranks) { "\($0)" }) | "
                + "\((r.output as NSString).lastPathComponent) |\n"
        }
        return text
    }

    private static func readReport(_ path: String) throws -> SearchReport {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        do {
            return try decoder.decode(SearchReport.self, from: try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw UsageError(
                "the sweep's run report \(path) cannot be read (\(error)); remove it and run the sweep again with --resume"
            )
        }
    }
}
