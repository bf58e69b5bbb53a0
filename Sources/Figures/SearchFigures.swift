import Imaging
import Model
import Plotting
import Search

/// The figures of a finished search: the loss curve and the policy's probabilities.
public enum SearchFigures {
    /// Mean loss per iteration with a ±1 std band, and the held-out evaluations as markers.
    public static func lossCurve(_ state: SearchState, title: String) throws -> Image8 {
        let h = state.history
        var series = [
            LineSeries(
                name: "training loss (mean +/- std)", x: h.map { Double($0.iteration + 1) }, y: h.map(\.lossMean),
                band: h.map(\.lossStd), color: RGB.seriesPalette[0])
        ]
        if !state.evaluations.isEmpty {
            series.append(
                LineSeries(
                    name: "held-out loss of a drawn mask", x: state.evaluations.map { Double($0.iteration) },
                    y: state.evaluations.map(\.loss), color: RGB.seriesPalette[1], markers: true))
        }
        return try lineChartFigure(title: title, xLabel: "iteration", yLabel: "loss (lower is better)", series: series)
    }

    /// The probability of each variable, as layer x head panels per stack and token group.
    public static func probabilities(_ probabilities: [Double], space: PatchVariables, title: String) throws -> Image8 {
        try heatmapFigure(title: title, panels: space.panels(probabilities), valueLabel: "probability")
    }
}
