import Imaging
import Plotting
import Search

/// One task's column of protocol.png: an episode's query input, the answer quadrant predicted in
/// each condition and the target answer quadrant; the same content as a row of eval's grid.
public typealias ProtocolFigureColumn = EvaluationFigureRow

/// `protocol.png`, in the table's layout: columns are tasks, rows the query, the one-shot, zero-shot
/// and zero-shot + TV predictions and the target.
public func protocolGridFigure(_ columns: [ProtocolFigureColumn], title: String) throws -> Image8 {
    let modes = EvaluationMode.allCases
    let rows: [[Image8?]] =
        [columns.map(\.query)] + modes.map { mode in columns.map { $0.predictions[mode] } }
        + [columns.map(\.target)]
    return try imageGridFigure(
        title: title, columnTitles: columns.map(\.title), rows: rows,
        rowTitles: ["query"] + modes.map(\.title) + ["target"])
}
