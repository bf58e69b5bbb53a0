import Imaging

/// One bar of a bar chart, e.g. a metric's mean with its confidence interval.
public struct Bar: Sendable {
    /// Written under the bar (shortened to fit).
    public var label: String
    public var value: Double
    /// Optional half-width of a whisker drawn across the bar's top (value - spread ... value + spread),
    /// e.g. a 95% confidence interval or a standard deviation.
    public var spread: Double?
    public var color: RGB

    public init(label: String, value: Double, spread: Double? = nil, color: RGB) {
        self.label = label
        self.value = value
        self.spread = spread
        self.color = color
    }
}

/// Bars side by side on a shared y axis that includes zero, with nice tick values, light grid lines,
/// each bar's whisker, and its label under it (rotated upward when the bars are narrow).
/// Non-finite values draw no bar; a title too wide for the figure is shortened with "..". The default size is 1000 x 600 px.
public func barChartFigure(title: String, yLabel: String, bars: [Bar], width: Int = 1000, height: Int = 600) -> Image8 {
    let s = FigureStyle.self
    var canvas = RasterCanvas(width: width, height: height)
    canvas.drawText(
        s.fitting(title, width: width - 2 * s.margin, scale: s.titleScale), at: (width / 2, s.margin),
        anchor: .topCenter, color: s.text, scale: s.titleScale)
    var ys: [Double] = [0]
    for bar in bars where bar.value.isFinite {
        ys.append(bar.value)
        if let spread = bar.spread, spread.isFinite { ys += [bar.value - abs(spread), bar.value + abs(spread)] }
    }
    let yTicks = Ticks(data: ys.min()!, ys.max()!, target: 6)
    let tickLabelWidth = yTicks.values.map { s.textWidth(yTicks.label($0), s.tickScale) }.max() ?? 0
    let plotX0 = s.margin + s.lineHeight(s.labelScale) + 12 + tickLabelWidth + 10
    let plotX1 = width - s.margin
    let slot = Double(plotX1 - plotX0) / Double(max(1, bars.count))
    // Labels run upward under narrow bars; they then need the height of the longest label.
    let upward = bars.contains { Double(s.textWidth($0.label, s.tickScale)) > slot - 4 }
    let labelSpace =
        upward
        ? min(height / 3, (bars.map { s.textWidth($0.label, s.tickScale) }.max() ?? 0)) : s.lineHeight(s.tickScale)
    let plotY0 = s.margin + s.lineHeight(s.titleScale) + s.titleGap + 10
    let plotY1 = height - s.margin - labelSpace - 12
    guard plotX1 - plotX0 > 20, plotY1 - plotY0 > 20 else { return canvas.image }
    let map = PlotMapping(
        x: (0, Double(max(1, bars.count))), y: (yTicks.lower, yTicks.upper),
        left: plotX0, right: plotX1, top: plotY0, bottom: plotY1)

    for value in yTicks.values {
        let py = Int(map.py(value).rounded())
        canvas.fillRect(x: plotX0, y: py, width: plotX1 - plotX0, height: 1, s.grid)
        canvas.fillRect(x: plotX0 - 6, y: py, width: 6, height: 1, s.axis)
        canvas.drawText(
            yTicks.label(value), at: (plotX0 - 10, py), anchor: .centerRight, color: s.text, scale: s.tickScale)
    }
    canvas.drawText(
        yLabel, at: (s.margin, (plotY0 + plotY1) / 2), anchor: .centerLeft, color: s.text,
        scale: s.labelScale, direction: .upward)
    let zero = Int(map.py(0).rounded())
    for (i, bar) in bars.enumerated() {
        let left = Int(map.px(Double(i) + 0.15).rounded()), right = Int(map.px(Double(i) + 0.85).rounded())
        let center = (left + right) / 2
        if bar.value.isFinite {
            let top = Int(map.py(bar.value).rounded())
            canvas.fillRect(
                x: left, y: min(top, zero), width: max(1, right - left), height: max(1, abs(zero - top)), bar.color)
            if let spread = bar.spread, spread.isFinite {
                let high = Int(map.py(bar.value + abs(spread)).rounded())
                let low = Int(map.py(bar.value - abs(spread)).rounded())
                canvas.fillRect(x: center, y: high, width: 2, height: max(1, low - high), s.axis)
                let cap = max(2, (right - left) / 4)
                canvas.fillRect(x: center - cap, y: high, width: 2 * cap + 2, height: 2, s.axis)
                canvas.fillRect(x: center - cap, y: low, width: 2 * cap + 2, height: 2, s.axis)
            }
        }
        if upward {
            let text = s.fitting(bar.label, width: labelSpace, scale: s.tickScale)
            canvas.drawText(
                text, at: (center, plotY1 + 10), anchor: .topCenter, color: s.text, scale: s.tickScale,
                direction: .upward)
        } else {
            canvas.drawText(bar.label, at: (center, plotY1 + 10), anchor: .topCenter, color: s.text, scale: s.tickScale)
        }
    }
    canvas.fillRect(x: plotX0, y: zero, width: plotX1 - plotX0, height: 1, s.axis)
    canvas.strokeRect(x: plotX0, y: plotY0, width: plotX1 - plotX0 + 1, height: plotY1 - plotY0 + 1, s.axis)
    return canvas.image
}

/// `images` one under another, centred on a white canvas as wide as the widest.
public func stackedFigure(_ images: [Image8]) -> Image8 {
    let width = images.map(\.width).max() ?? 1
    var canvas = RasterCanvas(width: width, height: max(1, images.reduce(0) { $0 + $1.height }))
    var y = 0
    for image in images {
        canvas.draw(image, x: (width - image.width) / 2, y: y)
        y += image.height
    }
    return canvas.image
}
