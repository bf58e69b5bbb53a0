/// Data handed to a figure function that does not fit together.
public enum PlotError: Error, CustomStringConvertible, Equatable {
    /// A heatmap panel whose `values` is not `rows * columns` long.
    case heatmapValueCount(panel: String, rows: Int, columns: Int, count: Int)
    /// A heatmap panel with no rows or no columns.
    case emptyHeatmapPanel(panel: String)
    /// A line series whose `y` or `band` is not as long as its `x`.
    case seriesLength(series: String, field: String, count: Int, xCount: Int)
    /// An image grid with a number of row titles other than its number of rows.
    case rowTitleCount(titles: Int, rows: Int)

    public var description: String {
        switch self {
        case let .heatmapValueCount(panel, rows, columns, count):
            return "heatmap panel '\(panel)' has \(count) values; expected rows x columns = "
                + "\(rows) x \(columns) = \(rows * columns) in row-major order"
        case let .emptyHeatmapPanel(panel):
            return "heatmap panel '\(panel)' has no cells; give it at least one row and one column"
        case let .seriesLength(series, field, count, xCount):
            return "line series '\(series)' has \(count) \(field) values but \(xCount) x values; "
                + "they must pair up one to one"
        case let .rowTitleCount(titles, rows):
            return "image grid has \(titles) row titles for \(rows) rows; give one per row or none"
        }
    }
}
