import Figures
import Foundation
import Imaging
import Model
import Plotting
import Search

/// What `vtv score` does (`runScore`): the taskness of every candidate variable over some tasks of
/// an activations file (docs/paper.md#taskness).
public struct ScoreSettings {
    /// The activations file (vtv collect).
    public var activations: String
    /// The tasks compared, without repeats; nil: every task of the file.
    public var tasks: [String]?
    public var granularity: PatchVariables.Granularity
    /// The scores file to write.
    public var out: String
    /// A heatmap PNG of the scores to write besides, if any.
    public var plot: String?
    /// A folder to write the tasks' geometry into (docs/formats.md, "Task geometry"), if any.
    public var geometry: String?
    /// The head whose per-prompt outputs the geometry projects ("encoder:L:H"); nil: the one
    /// clustering most by task.
    public var projectionHead: String?

    public init(
        activations: String, tasks: [String]? = nil, granularity: PatchVariables.Granularity = .headGroup,
        out: String, plot: String? = nil, geometry: String? = nil, projectionHead: String? = nil
    ) {
        self.activations = activations
        self.tasks = tasks
        self.granularity = granularity
        self.out = out
        self.plot = plot
        self.geometry = geometry
        self.projectionHead = projectionHead
    }
}

/// What a scoring wrote.
public struct ScoreReport {
    public var scores: ScoresFile
    /// The tasks compared.
    public var tasks: [String]
    /// One line on the task geometry, when `ScoreSettings.geometry` was given.
    public var geometrySummary: String?
}

/// The scoring stage, on one process: writes `settings.out` (docs/formats.md, "Scores file") and,
/// with `settings.plot`, the heatmap (`tasknessFigure`); with `settings.geometry`, the tasks'
/// geometry (`GeometryFiles`).
public func runScore(_ settings: ScoreSettings) throws -> ScoreReport {
    if settings.projectionHead != nil && settings.geometry == nil {
        throw UsageError("--projection-head goes with --geometry DIR")
    }
    let path = settings.activations
    let activations = try ActivationsFile(path: path)
    var tasks: [String] = []
    for task in settings.tasks ?? activations.taskNames where !tasks.contains(task) { tasks.append(task) }
    for task in tasks { _ = try activations.statistics(task, file: path) }
    let taskness = try TasknessScores(activations: activations, tasks: tasks, granularity: settings.granularity)
    let scores = ScoresFile(taskness, configuration: activations.configuration, modelHash: activations.modelHash)
    try scores.write(to: settings.out)
    if let plot = settings.plot { try ImageFile.writePNG(try tasknessFigure(scores), to: plot) }
    var summary: String?
    if let folder = settings.geometry {
        let head = try settings.projectionHead.map {
            try HeadUnit(parsing: $0, configuration: activations.configuration)
        }
        let made = try GeometryFiles.make(activations: activations, tasks: tasks, projectionHead: head)
        try ReportFolder.write(made.0, to: folder)
        summary = made.1
    }
    return ScoreReport(scores: scores, tasks: tasks, geometrySummary: summary)
}

/// The scores as layer x head heatmaps, one panel per stack and token group, on a log scale:
/// groups differ in size (cls is one token, the query 49), so linear values would leave all but
/// the largest group dark.
public func tasknessFigure(_ scores: ScoresFile) throws -> Image8 {
    let space = scores.space
    let summed = scores.granularity == .headToken ? ", summed over the tokens of each head" : ""
    let panels = space.panels(scores.scores).map { panel -> HeatmapPanel in
        var panel = panel
        if scores.granularity == .headToken, let stack = panel.title.split(separator: " ").first {
            panel.title = String(stack)
        }
        panel.values = panel.values.map { $0 > 0 ? log10($0) : .nan }
        return panel
    }
    return try heatmapFigure(
        title: "taskness, granularity \(scores.granularity.rawValue)\(summed) (\(scores.tasks.count) tasks)",
        panels: panels, valueLabel: "log10 taskness")
}
