import Imaging

/// One grid of values in a heatmap figure, e.g. a score per (layer, head).
public struct HeatmapPanel: Sendable {
    public var title: String
    public var rows: Int
    public var columns: Int
    /// [rows, columns] row-major; NaN marks a missing cell (drawn gray).
    public var values: [Double]
    /// What a row index counts, e.g. "layer"; drawn upward left of the grid.
    public var rowLabel: String
    /// What a column index counts, e.g. "head"; drawn below the grid.
    public var columnLabel: String

    public init(
        title: String, rows: Int, columns: Int, values: [Double],
        rowLabel: String = "layer", columnLabel: String = "head"
    ) {
        self.title = title
        self.rows = rows
        self.columns = columns
        self.values = values
        self.rowLabel = rowLabel
        self.columnLabel = columnLabel
    }
}

/// Heatmap panels side by side (wrapping onto new lines past ~1600 px) under `title`, with one
/// colour scale shared by all panels and a colour bar at the bottom showing its limits and
/// `valueLabel`. Row 0 is at the top. Cells are squares sized so the figure is roughly
/// 800 to 1600 px wide. With a diverging colormap the limits are symmetric about zero.
/// Throws `PlotError` when a panel's `values` is not `rows * columns` long or a panel is empty.
public func heatmapFigure(
    title: String, panels: [HeatmapPanel], colormap: Colormap = .viridis,
    valueLabel: String
) throws -> Image8 {
    for panel in panels {
        guard panel.rows > 0, panel.columns > 0 else { throw PlotError.emptyHeatmapPanel(panel: panel.title) }
        guard panel.values.count == panel.rows * panel.columns else {
            throw PlotError.heatmapValueCount(
                panel: panel.title, rows: panel.rows, columns: panel.columns,
                count: panel.values.count)
        }
    }
    let limits = HeatmapLayout.limits(panels.flatMap(\.values), diverging: colormap.isDiverging)
    let layout = HeatmapLayout(title: title, panels: panels)
    var canvas = RasterCanvas(width: layout.width, height: layout.height)
    canvas.drawText(
        title, at: (layout.width / 2, FigureStyle.margin), anchor: .topCenter,
        color: FigureStyle.text, scale: FigureStyle.titleScale)
    for (i, panel) in panels.enumerated() {
        layout.draw(
            panel, at: layout.panelOrigins[i], grid: layout.gridOrigins[i], colormap: colormap,
            limits: limits, on: &canvas)
    }
    let hasMissing = panels.contains { $0.values.contains(where: \.isNaN) }
    layout.drawColorBar(
        colormap: colormap, limits: limits, valueLabel: valueLabel,
        showMissing: hasMissing, on: &canvas)
    return canvas.image
}

/// Where everything in a heatmap figure goes, decided once from the panels' shapes.
struct HeatmapLayout {
    /// The side of one square cell, in pixels.
    let cell: Int
    let width: Int
    let height: Int
    /// Top-left corner of each panel's box (title, ticks and labels included).
    let panelOrigins: [(x: Int, y: Int)]
    /// Top-left corner of each panel's first cell (row 0, column 0).
    let gridOrigins: [(x: Int, y: Int)]
    /// Top of the colour bar.
    let colorBarY: Int

    private static let maxLineWidth = 1600
    private static let panelGap = 36
    private static let tickGap = 6
    private static let colorBarHeight = 18
    private static let colorBarWidth = 360

    init(title: String, panels: [HeatmapPanel]) {
        let s = FigureStyle.self
        let totalColumns = panels.reduce(0) { $0 + $1.columns }
        let maxRows = panels.map(\.rows).max() ?? 1
        let overhead = panels.reduce(0) { $0 + HeatmapLayout.leftOverhead($1) + HeatmapLayout.panelGap }
        // Aim for ~1200 px of content on one line, with cells no larger than 48 px and grids no taller
        // than 1100 px; but rather than shrink cells below 12 px, wrap panels onto more lines (unless a
        // single panel would then be wider than a line).
        var cell = (1200 - overhead) / max(1, totalColumns)
        cell = min(cell, 48, 1100 / maxRows)
        let widestPanelFit =
            panels.map {
                (HeatmapLayout.maxLineWidth - HeatmapLayout.leftOverhead($0)) / $0.columns
            }.min() ?? 12
        cell = max(cell, min(12, widestPanelFit), 2)
        self.cell = cell

        var origins = [(x: Int, y: Int)]()
        var x = s.margin, y = s.margin + s.lineHeight(s.titleScale) + s.titleGap + 6
        var lineHeight = 0, widest = s.textWidth(title, s.titleScale)
        for panel in panels {
            let size = HeatmapLayout.panelSize(panel, cell: cell)
            if x > s.margin && x + size.width - s.margin > HeatmapLayout.maxLineWidth {
                x = s.margin
                y += lineHeight + HeatmapLayout.panelGap
                lineHeight = 0
            }
            origins.append((x, y))
            x += size.width + HeatmapLayout.panelGap
            widest = max(widest, x - HeatmapLayout.panelGap - s.margin)
            lineHeight = max(lineHeight, size.height)
        }
        panelOrigins = origins
        gridOrigins = zip(panels, origins).map { panel, origin in
            (origin.x + HeatmapLayout.leftOverhead(panel), origin.y + HeatmapLayout.titleHeight)
        }
        colorBarY = y + lineHeight + HeatmapLayout.panelGap
        width = max(widest, HeatmapLayout.colorBarWidth + 120) + 2 * s.margin
        height = colorBarY + HeatmapLayout.colorBarHeight + 2 * (s.lineHeight(s.tickScale) + 8) + s.margin
    }

    /// The colour scale's limits: the finite values' range, symmetric about zero when `diverging`.
    static func limits(_ values: [Double], diverging: Bool) -> (min: Double, max: Double) {
        let finite = values.filter(\.isFinite)
        guard var low = finite.min(), var high = finite.max() else { return (0, 1) }
        if diverging {
            let extent = max(abs(low), abs(high))
            (low, high) = (-extent, extent)
        }
        return (low, high)
    }

    /// Draws one panel: title, cells, frame, tick labels and axis labels.
    func draw(
        _ panel: HeatmapPanel, at origin: (x: Int, y: Int), grid: (x: Int, y: Int), colormap: Colormap,
        limits: (min: Double, max: Double), on canvas: inout RasterCanvas
    ) {
        let s = FigureStyle.self
        let (gridX, gridY) = grid
        let gridWidth = panel.columns * cell, gridHeight = panel.rows * cell
        canvas.drawText(
            s.fitting(panel.title, width: HeatmapLayout.titleRoom(panel, cell: cell), scale: s.labelScale),
            at: (gridX + gridWidth / 2, origin.y), anchor: .topCenter, color: s.text, scale: s.labelScale)
        for r in 0..<panel.rows {
            for c in 0..<panel.columns {
                let color = colormap.color(for: panel.values[r * panel.columns + c], min: limits.min, max: limits.max)
                canvas.fillRect(x: gridX + c * cell, y: gridY + r * cell, width: cell, height: cell, color)
            }
        }
        canvas.strokeRect(x: gridX - 1, y: gridY - 1, width: gridWidth + 2, height: gridHeight + 2, s.axis)

        let rowStep = HeatmapLayout.tickStep(cell: cell, needed: s.lineHeight(s.tickScale) + 4)
        for r in stride(from: 0, to: panel.rows, by: rowStep) {
            let cy = gridY + r * cell + cell / 2
            canvas.fillRect(x: gridX - 5, y: cy, width: 4, height: 1, s.axis)
            canvas.drawText(
                String(r), at: (gridX - 5 - HeatmapLayout.tickGap, cy), anchor: .centerRight,
                color: s.text, scale: s.tickScale)
        }
        let columnStep = HeatmapLayout.tickStep(
            cell: cell, needed: s.textWidth(String(panel.columns - 1), s.tickScale) + 10)
        for c in stride(from: 0, to: panel.columns, by: columnStep) {
            let cx = gridX + c * cell + cell / 2
            canvas.fillRect(x: cx, y: gridY + gridHeight + 1, width: 1, height: 4, s.axis)
            canvas.drawText(
                String(c), at: (cx, gridY + gridHeight + 5 + HeatmapLayout.tickGap), anchor: .topCenter,
                color: s.text, scale: s.tickScale)
        }
        let labelY = gridY + gridHeight + 5 + 2 * HeatmapLayout.tickGap + s.lineHeight(s.tickScale)
        canvas.drawText(
            panel.columnLabel, at: (gridX + gridWidth / 2, labelY), anchor: .topCenter,
            color: s.text, scale: s.labelScale)
        canvas.drawText(
            panel.rowLabel, at: (origin.x, gridY + gridHeight / 2), anchor: .centerLeft,
            color: s.text, scale: s.labelScale, direction: .upward)
    }

    /// The colour bar centred under the panels, its limits under its ends (and zero under its
    /// middle when the scale is symmetric), `valueLabel` below, and a gray "NaN" swatch if needed.
    func drawColorBar(
        colormap: Colormap, limits: (min: Double, max: Double), valueLabel: String,
        showMissing: Bool, on canvas: inout RasterCanvas
    ) {
        let s = FigureStyle.self
        let barWidth = HeatmapLayout.colorBarWidth, barHeight = HeatmapLayout.colorBarHeight
        let x0 = (width - barWidth) / 2
        for i in 0..<barWidth {
            let color = colormap.color(at: Double(i) / Double(barWidth - 1))
            canvas.fillRect(x: x0 + i, y: colorBarY, width: 1, height: barHeight, color)
        }
        canvas.strokeRect(x: x0 - 1, y: colorBarY - 1, width: barWidth + 2, height: barHeight + 2, s.axis)
        let numbersY = colorBarY + barHeight + 6
        canvas.drawText(
            formatNumber(limits.min), at: (x0, numbersY), anchor: .topCenter, color: s.text,
            scale: s.tickScale)
        canvas.drawText(
            formatNumber(limits.max), at: (x0 + barWidth, numbersY), anchor: .topCenter, color: s.text,
            scale: s.tickScale)
        if colormap.isDiverging {
            canvas.drawText(
                "0", at: (x0 + barWidth / 2, numbersY), anchor: .topCenter, color: s.text,
                scale: s.tickScale)
        }
        canvas.drawText(
            valueLabel, at: (x0 + barWidth / 2, numbersY + s.lineHeight(s.tickScale) + 6),
            anchor: .topCenter, color: s.text, scale: s.labelScale)
        if showMissing {
            let swatchX = x0 + barWidth + 40
            canvas.fillRect(x: swatchX, y: colorBarY, width: barHeight, height: barHeight, .missing)
            canvas.strokeRect(x: swatchX - 1, y: colorBarY - 1, width: barHeight + 2, height: barHeight + 2, s.axis)
            canvas.drawText(
                "NaN", at: (swatchX + barHeight + 8, colorBarY + barHeight / 2), anchor: .centerLeft,
                color: s.text, scale: s.tickScale)
        }
    }

    /// Width left of a panel's grid: the upward row label, the row tick labels and tick marks.
    private static func leftOverhead(_ panel: HeatmapPanel) -> Int {
        let s = FigureStyle.self
        return s.lineHeight(s.labelScale) + 8 + s.textWidth(String(panel.rows - 1), s.tickScale) + tickGap + 5
    }

    /// The widest a panel title may be: centred on the grid, it may reach over the row labels on the left
    /// and as far again on the right (the panel's size makes room for that).
    private static func titleRoom(_ panel: HeatmapPanel, cell: Int) -> Int {
        panel.columns * cell + 2 * leftOverhead(panel)
    }

    /// Height above a panel's grid: its title and a gap.
    private static var titleHeight: Int { FigureStyle.lineHeight(FigureStyle.labelScale) + 8 }

    private static func panelSize(_ panel: HeatmapPanel, cell: Int) -> (width: Int, height: Int) {
        let s = FigureStyle.self
        let gridWidth = panel.columns * cell
        let titleOverhang =
            max(0, min(s.textWidth(panel.title, s.labelScale), titleRoom(panel, cell: cell)) - gridWidth) / 2
        let width = leftOverhead(panel) + max(gridWidth + titleOverhang, s.textWidth(panel.columnLabel, s.labelScale))
        let height =
            titleHeight + panel.rows * cell + 5 + 2 * tickGap
            + s.lineHeight(s.tickScale) + s.lineHeight(s.labelScale)
        return (width, height)
    }

    /// The smallest label stride among 1, 2, 5, 10, 20, 50... that leaves `needed` pixels per label.
    private static func tickStep(cell: Int, needed: Int) -> Int {
        var base = 1
        while true {
            for k in [1, 2, 5] where k * base * cell >= needed { return k * base }
            base *= 10
        }
    }
}
