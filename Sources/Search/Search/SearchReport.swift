import Foundation
import Outputs

/// The JSON log of a search: its settings and every iteration and evaluation.
public struct SearchReport: Codable {
    public var settings: SearchSettings
    public var tasks: [String]
    public var ranks: Int
    public var chosenVariables: [Int]
    /// How `chosenVariables` were taken from the best policy (absent from reports written before it
    /// was recorded, which all used the threshold).
    public var finalSelection: FinalSelection?
    public var bestIteration: Int
    public var bestLoss: Double
    public var iterations: [IterationRecord]
    public var evaluations: [EvaluationRecord]
    /// With planted targets: the held-out loss of the planted mask itself.
    public var plantedLoss: Double?
    /// The chosen variables' held-out loss under each reward ("pixel", "tokens").
    public var finalLosses: [String: Double]
    /// CPU seconds (user + system) of every rank over the search's iterations and evaluations
    /// (absent from reports written before it was kept).
    public var cpuSeconds: Double?

    public init(
        settings: SearchSettings, tasks: [String], state: SearchState, variables: [Int],
        finalSelection: FinalSelection = .threshold, ranks: Int, plantedLoss: Double? = nil,
        finalLosses: [String: Double] = [:]
    ) {
        self.settings = settings
        self.tasks = tasks
        self.ranks = ranks
        chosenVariables = variables
        self.finalSelection = finalSelection
        bestIteration = state.bestIteration
        bestLoss = state.bestLoss.isFinite ? state.bestLoss : .nan
        iterations = state.history
        evaluations = state.evaluations
        self.plantedLoss = plantedLoss
        self.finalLosses = finalLosses
        cpuSeconds = state.cpuSeconds
    }

    /// Writes the report as pretty-printed JSON, atomically.
    public func writeJSON(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        try StagedFile.write(try encoder.encode(self), to: path)
    }
}
