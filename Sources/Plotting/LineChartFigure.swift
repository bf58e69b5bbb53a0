import Imaging

/// One curve of a line chart, e.g. a reward per iteration.
public struct LineSeries: Sendable {
    /// Shown in the legend.
    public var name: String
    /// x: [points], in drawing order; a NaN in x or y breaks the line.
    public var x: [Double]
    /// y: [points], paired with `x`.
    public var y: [Double]
    /// Optional half-width of a band drawn translucent around the line (y - band ... y + band),
    /// e.g. the standard deviation; [points], paired with `x`.
    public var band: [Double]?
    public var color: RGB
    /// Whether to draw a dot at every point (for sparse points such as periodic evaluations).
    public var markers: Bool

    public init(name: String, x: [Double], y: [Double], band: [Double]? = nil, color: RGB, markers: Bool = false) {
        self.name = name
        self.x = x
        self.y = y
        self.band = band
        self.color = color
        self.markers = markers
    }
}

/// A line chart of `series` on shared axes with nice tick values, light grid lines, a legend to the
/// right of the plot area, and each series' band drawn translucent under its line. Non-finite points
/// are skipped; an empty chart still draws its axes. The default size is 1000 x 600 px.
/// Throws `PlotError` when a series' `y` or `band` is not as long as its `x`.
public func lineChartFigure(
    title: String, xLabel: String, yLabel: String, series: [LineSeries],
    width: Int = 1000, height: Int = 600
) throws -> Image8 {
    for s in series {
        guard s.y.count == s.x.count else {
            throw PlotError.seriesLength(series: s.name, field: "y", count: s.y.count, xCount: s.x.count)
        }
        if let band = s.band, band.count != s.x.count {
            throw PlotError.seriesLength(series: s.name, field: "band", count: band.count, xCount: s.x.count)
        }
    }
    let s = FigureStyle.self
    var canvas = RasterCanvas(width: width, height: height)
    canvas.drawText(title, at: (width / 2, s.margin), anchor: .topCenter, color: s.text, scale: s.titleScale)

    // Data ranges over finite values, bands included.
    var xs = [Double](), ys = [Double]()
    for line in series {
        for i in line.x.indices where line.x[i].isFinite && line.y[i].isFinite {
            xs.append(line.x[i]); ys.append(line.y[i])
            if let band = line.band, band[i].isFinite {
                ys.append(line.y[i] - abs(band[i])); ys.append(line.y[i] + abs(band[i]))
            }
        }
    }
    let yTicks = Ticks(data: ys.min() ?? 0, ys.max() ?? 1, target: 6)

    // Frame: left for the upward y label and y tick labels, right for the legend.
    let legend = Legend(series)
    let tickLabelWidth = yTicks.values.map { s.textWidth(yTicks.label($0), s.tickScale) }.max() ?? 0
    let plotX0 = s.margin + s.lineHeight(s.labelScale) + 12 + tickLabelWidth + 10
    let plotX1 = width - s.margin - (legend.isEmpty ? 10 : legend.width + 20)
    let plotY0 = s.margin + s.lineHeight(s.titleScale) + s.titleGap + 10
    let plotY1 = height - s.margin - s.lineHeight(s.labelScale) - s.lineHeight(s.tickScale) - 24
    guard plotX1 - plotX0 > 20, plotY1 - plotY0 > 20 else { return canvas.image }

    // The most x ticks whose labels do not collide.
    var xTicks = Ticks(data: xs.min() ?? 0, xs.max() ?? 1, target: 8)
    for target in stride(from: 8, through: 2, by: -1) {
        xTicks = Ticks(data: xs.min() ?? 0, xs.max() ?? 1, target: target)
        let widest = xTicks.values.map { s.textWidth(xTicks.label($0), s.tickScale) }.max() ?? 0
        let spacing = Double(plotX1 - plotX0) / Double(max(1, xTicks.values.count - 1))
        if spacing >= Double(widest + 16) { break }
    }
    let map = PlotMapping(
        x: (xTicks.lower, xTicks.upper), y: (yTicks.lower, yTicks.upper),
        left: plotX0, right: plotX1, top: plotY0, bottom: plotY1)

    for value in yTicks.values {
        let py = Int(map.py(value).rounded())
        canvas.fillRect(x: plotX0, y: py, width: plotX1 - plotX0, height: 1, s.grid)
        canvas.fillRect(x: plotX0 - 6, y: py, width: 6, height: 1, s.axis)
        canvas.drawText(
            yTicks.label(value), at: (plotX0 - 10, py), anchor: .centerRight, color: s.text,
            scale: s.tickScale)
    }
    for value in xTicks.values {
        let px = Int(map.px(value).rounded())
        canvas.fillRect(x: px, y: plotY0, width: 1, height: plotY1 - plotY0, s.grid)
        canvas.fillRect(x: px, y: plotY1, width: 1, height: 6, s.axis)
        canvas.drawText(
            xTicks.label(value), at: (px, plotY1 + 10), anchor: .topCenter, color: s.text,
            scale: s.tickScale)
    }
    canvas.drawText(
        xLabel, at: ((plotX0 + plotX1) / 2, plotY1 + 10 + s.lineHeight(s.tickScale) + 8),
        anchor: .topCenter, color: s.text, scale: s.labelScale)
    canvas.drawText(
        yLabel, at: (s.margin, (plotY0 + plotY1) / 2), anchor: .centerLeft, color: s.text,
        scale: s.labelScale, direction: .upward)

    for line in series { drawBand(line, map: map, on: &canvas) }
    for line in series { drawLine(line, map: map, on: &canvas) }
    canvas.strokeRect(x: plotX0, y: plotY0, width: plotX1 - plotX0 + 1, height: plotY1 - plotY0 + 1, s.axis)
    legend.draw(at: (plotX1 + 20, plotY0), on: &canvas)
    return canvas.image
}

/// Data coordinates to pixel coordinates inside the plot area (y grows upwards in data, downwards in pixels).
struct PlotMapping {
    let x: (lower: Double, upper: Double)
    let y: (lower: Double, upper: Double)
    let left: Int, right: Int, top: Int, bottom: Int

    func px(_ value: Double) -> Double {
        Double(left) + (value - x.lower) / (x.upper - x.lower) * Double(right - left)
    }

    func py(_ value: Double) -> Double {
        Double(bottom) - (value - y.lower) / (y.upper - y.lower) * Double(bottom - top)
    }
}

/// Index ranges of consecutive points for which `isValid` holds.
private func runs(count: Int, where isValid: (Int) -> Bool) -> [Range<Int>] {
    var result = [Range<Int>](), start: Int?
    for i in 0...count {
        if i < count && isValid(i) {
            if start == nil { start = i }
        } else if let first = start {
            result.append(first..<i)
            start = nil
        }
    }
    return result
}

private func drawBand(_ line: LineSeries, map: PlotMapping, on canvas: inout RasterCanvas) {
    guard let band = line.band else { return }
    let valid = { (i: Int) in line.x[i].isFinite && line.y[i].isFinite && band[i].isFinite }
    for run in runs(count: line.x.count, where: valid) where run.count >= 2 {
        let upper = run.map { (x: map.px(line.x[$0]), y: map.py(line.y[$0] + abs(band[$0]))) }
        let lower = run.reversed().map { (x: map.px(line.x[$0]), y: map.py(line.y[$0] - abs(band[$0]))) }
        canvas.fillPolygon(upper + lower, line.color, alpha: 0.22)
    }
}

private func drawLine(_ line: LineSeries, map: PlotMapping, on canvas: inout RasterCanvas) {
    let valid = { (i: Int) in line.x[i].isFinite && line.y[i].isFinite }
    for run in runs(count: line.x.count, where: valid) {
        let points = run.map { (x: map.px(line.x[$0]), y: map.py(line.y[$0])) }
        canvas.drawPolyline(points, line.color, thickness: 2)
        // A lone point has no line to show it, so it always gets a marker.
        if line.markers || run.count == 1 {
            for p in points {
                let (px, py) = (Int(p.x.rounded()), Int(p.y.rounded()))
                canvas.drawLine(x0: px, y0: py, x1: px, y1: py, .white, thickness: 11)
                canvas.drawLine(x0: px, y0: py, x1: px, y1: py, line.color, thickness: 8)
            }
        }
    }
}

/// The legend box: one entry per series, a short stroke of its colour and its name.
private struct Legend {
    let entries: [(name: String, color: RGB, markers: Bool, band: Bool)]
    private static let swatch = 28, padding = 10, rowHeight = 26

    init(_ series: [LineSeries]) {
        entries = series.map { ($0.name, $0.color, $0.markers, $0.band != nil) }
    }

    var isEmpty: Bool { entries.isEmpty }

    var width: Int {
        let names = entries.map { FigureStyle.textWidth($0.name, FigureStyle.labelScale) }.max() ?? 0
        return 2 * Legend.padding + Legend.swatch + 10 + names
    }

    func draw(at origin: (x: Int, y: Int), on canvas: inout RasterCanvas) {
        guard !isEmpty else { return }
        let height = 2 * Legend.padding + entries.count * Legend.rowHeight - 8
        canvas.strokeRect(x: origin.x, y: origin.y, width: width, height: height, FigureStyle.emptyBoxEdge)
        for (i, entry) in entries.enumerated() {
            let cy = origin.y + Legend.padding + i * Legend.rowHeight + 9
            let x0 = origin.x + Legend.padding
            if entry.band {
                canvas.fillRect(x: x0, y: cy - 6, width: Legend.swatch, height: 13, entry.color, alpha: 0.22)
            }
            canvas.drawLine(x0: x0, y0: cy, x1: x0 + Legend.swatch - 1, y1: cy, entry.color, thickness: 3)
            if entry.markers {
                canvas.drawLine(
                    x0: x0 + Legend.swatch / 2, y0: cy, x1: x0 + Legend.swatch / 2, y1: cy,
                    entry.color, thickness: 8)
            }
            canvas.drawText(
                entry.name, at: (x0 + Legend.swatch + 10, cy), anchor: .centerLeft,
                color: FigureStyle.text, scale: FigureStyle.labelScale)
        }
    }
}
