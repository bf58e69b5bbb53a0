import Imaging

/// Images in a grid under `title`: `rows[r][c]` goes in row r, column c, with `columnTitles` above
/// the columns and `rowTitles` left of the rows. Cells are as large as the largest image (images
/// smaller than 96 px are enlarged by the smallest whole factor that reaches 96 px, nearest
/// neighbour, so that column titles have room); smaller images sit at
/// the top left of their cell, and nil or missing cells are drawn as an empty gray box. Column
/// titles wrap onto two lines and are then shortened with ".."; long row titles are shortened too. Any channel count works (gray is replicated).
/// Throws `PlotError.rowTitleCount` when `rowTitles` is neither empty nor one per row.
public func imageGridFigure(
    title: String, columnTitles: [String], rows: [[Image8?]],
    rowTitles: [String]
) throws -> Image8 {
    guard rowTitles.isEmpty || rowTitles.count == rows.count else {
        throw PlotError.rowTitleCount(titles: rowTitles.count, rows: rows.count)
    }
    let layout = ImageGridLayout(title: title, columnTitles: columnTitles, rows: rows, rowTitles: rowTitles)
    let s = FigureStyle.self
    var canvas = RasterCanvas(width: layout.width, height: layout.height)
    canvas.drawText(title, at: (layout.width / 2, s.margin), anchor: .topCenter, color: s.text, scale: s.titleScale)
    for (c, lines) in layout.columnTitleLines.enumerated() {
        let cell = layout.cellOrigin(row: 0, column: c)
        for (i, line) in lines.reversed().enumerated() {
            canvas.drawText(
                line, at: (cell.x + layout.cellWidth / 2, cell.y - 8 - i * ImageGridLayout.titleLineStep),
                anchor: .bottomCenter, color: s.text, scale: s.labelScale)
        }
    }
    for r in 0..<rows.count {
        let rowY = layout.cellOrigin(row: r, column: 0)
        if r < rowTitles.count {
            canvas.drawText(
                s.fitting(rowTitles[r], width: ImageGridLayout.maxRowTitleWidth, scale: s.labelScale),
                at: (rowY.x - 12, rowY.y + layout.cellHeight / 2), anchor: .centerRight, color: s.text,
                scale: s.labelScale)
        }
        for c in 0..<layout.columns {
            let origin = layout.cellOrigin(row: r, column: c)
            if c < rows[r].count, let image = rows[r][c] {
                canvas.draw(image, x: origin.x, y: origin.y, scale: layout.scale)
            } else {
                canvas.fillRect(
                    x: origin.x, y: origin.y, width: layout.cellWidth, height: layout.cellHeight,
                    s.emptyBox)
                canvas.strokeRect(
                    x: origin.x, y: origin.y, width: layout.cellWidth, height: layout.cellHeight,
                    s.emptyBoxEdge)
            }
        }
    }
    return canvas.image
}

/// Where each cell of an image grid goes.
struct ImageGridLayout {
    static let gap = 8
    static let maxRowTitleWidth = 260
    /// Column titles wrap onto at most this many lines, this far apart.
    static let maxTitleLines = 2
    static let titleLineStep = FigureStyle.lineHeight(FigureStyle.labelScale) + 2
    /// Images with both sides below this are enlarged by the smallest whole factor that brings
    /// the larger side to at least this (a 55 px answer quadrant of a 112 canvas becomes 110 px).
    private static let smallSide = 96

    let columns: Int
    /// Each column title wrapped to the cell width.
    let columnTitleLines: [[String]]
    /// Integer enlargement applied to every image.
    let scale: Int
    let cellWidth: Int
    let cellHeight: Int
    /// Top-left corner of cell (0, 0).
    let gridX: Int
    let gridY: Int
    let width: Int
    let height: Int

    init(title: String, columnTitles: [String], rows: [[Image8?]], rowTitles: [String]) {
        let s = FigureStyle.self
        columns = max(columnTitles.count, rows.map(\.count).max() ?? 0)
        let images = rows.joined().compactMap { $0 }
        let maxWidth = images.map(\.width).max() ?? 100, maxHeight = images.map(\.height).max() ?? 100
        let side = max(1, maxWidth, maxHeight)
        scale = max(1, (ImageGridLayout.smallSide + side - 1) / side)
        cellWidth = max(1, maxWidth * scale)
        cellHeight = max(1, maxHeight * scale)
        columnTitleLines = columnTitles.map { [cellWidth] title in
            FigureStyle.wrapped(title, width: cellWidth, scale: s.labelScale, maxLines: ImageGridLayout.maxTitleLines)
        }
        let titleLines = columnTitleLines.map(\.count).max() ?? 0
        let rowTitleWidth = min(
            ImageGridLayout.maxRowTitleWidth,
            rowTitles.map { s.textWidth($0, s.labelScale) }.max() ?? 0)
        gridX = s.margin + (rowTitleWidth > 0 ? rowTitleWidth + 12 : 0)
        gridY =
            s.margin + s.lineHeight(s.titleScale) + s.titleGap
            + (titleLines == 0 ? 0 : titleLines * ImageGridLayout.titleLineStep + 6)
        let gridWidth = columns * cellWidth + max(0, columns - 1) * ImageGridLayout.gap
        let gridHeight = rows.count * cellHeight + max(0, rows.count - 1) * ImageGridLayout.gap
        width = max(gridX + gridWidth, s.textWidth(title, s.titleScale) + s.margin) + s.margin
        height = gridY + gridHeight + s.margin
    }

    func cellOrigin(row: Int, column: Int) -> (x: Int, y: Int) {
        (gridX + column * (cellWidth + ImageGridLayout.gap), gridY + row * (cellHeight + ImageGridLayout.gap))
    }
}
