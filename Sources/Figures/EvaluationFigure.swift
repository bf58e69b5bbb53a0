import Imaging
import Plotting
import Search

/// One row of the evaluation grid: a prompt's query input, each mode's predicted answer quadrant
/// and the target answer quadrant, all quadrant-sized RGB images.
public struct EvaluationFigureRow {
    public var title: String
    public var query: Image8
    /// Keyed by mode; a missing mode is drawn as an empty box.
    public var predictions: [EvaluationMode: Image8]
    public var target: Image8

    public init(title: String, query: Image8, predictions: [EvaluationMode: Image8], target: Image8) {
        self.title = title
        self.query = query
        self.predictions = predictions
        self.target = target
    }
}

/// `report/grid.png`: rows are prompts (the first few of each task), columns the query, the
/// one-shot, zero-shot and task-vector predictions (Q4 of the decoded canvas) and the target Q4.
public func evaluationGridFigure(_ rows: [EvaluationFigureRow], title: String) throws -> Image8 {
    let modes = EvaluationMode.allCases
    return try imageGridFigure(
        title: title, columnTitles: ["query"] + modes.map(\.title) + ["target"],
        rows: rows.map { row in [row.query] + modes.map { row.predictions[$0] } + [row.target] },
        rowTitles: rows.map(\.title))
}
