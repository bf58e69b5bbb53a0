import Imaging
import Model
import Plotting
import Search

/// The figures of `vtv score --geometry`: task-mean cosines and prompt clustering per head as
/// layer x head heatmaps, and the projection of one head's per-prompt outputs coloured by task.
public enum GeometryFigures {
    /// Per stack, the mean cosine between task means over task pairs, then each task's mean cosine
    /// with the other tasks (every pair's values are in geometry.json).
    public static func cosines(_ means: TaskMeanCosines) throws -> Image8 {
        let k = means.tasks.count
        var panels = layerHeadPanels(means.meanBetweenTasks, units: means.units, title: "all pairs")
        for a in 0..<k {
            let values = means.units.indices.map { u in
                (0..<k).filter { $0 != a }.map { means.cosine(a, $0, unit: u) }.reduce(0, +) / Double(max(1, k - 1))
            }
            panels += layerHeadPanels(values, units: means.units, title: means.tasks[a])
        }
        return try heatmapFigure(
            title: "cosine between task means per head (E encoder, D decoder): all pairs, each task with the others",
            panels: panels, valueLabel: "cosine")
    }

    /// Per stack, the within-task and between-task cosines of prompts and their difference.
    public static func clustering(_ c: PromptClustering) throws -> Image8 {
        let within = c.within, between = c.between
        let panels =
            layerHeadPanels(within, units: c.units, title: "within")
            + layerHeadPanels(between, units: c.units, title: "between")
            + layerHeadPanels(zip(within, between).map { $0 - $1 }, units: c.units, title: "difference")
        return try heatmapFigure(
            title:
                "cosine between prompts' outputs per head (E encoder, D decoder): within a task, between, difference",
            panels: panels,
            valueLabel: "cosine")
    }

    /// The projected prompts, one colour per task.
    public static func projection(_ p: PromptProjection) throws -> Image8 {
        let series = p.tasks.indices.map { t -> LineSeries in
            let mine = p.points.filter { $0.task == t }
            // A NaN between points breaks the line, so each point is drawn as a lone marker.
            return LineSeries(
                name: p.tasks[t], x: mine.flatMap { [$0.x, .nan] }, y: mine.flatMap { [$0.y, .nan] },
                color: RGB.seriesPalette[t % RGB.seriesPalette.count], markers: true)
        }
        return try lineChartFigure(
            title: "\(p.unit.name): each prompt's output, PCA",
            xLabel: String(format: "PC1 (%.1f%% of variance)", p.explained[0] * 100),
            yLabel: String(format: "PC2 (%.1f%%)", p.explained[1] * 100), series: series)
    }

    /// One layer x head panel per stack of per-unit `values` (`HeadUnit.all` order), titled
    /// "E title" (encoder) and "D title" (decoder).
    static func layerHeadPanels(_ values: [Double], units: [HeadUnit], title: String) -> [HeatmapPanel] {
        Stack.allCases.compactMap { stack in
            let chosen = units.indices.filter { units[$0].stack == stack }
            guard let last = chosen.last else { return nil }
            let heads = units[last].head + 1, layers = units[last].layer + 1
            return HeatmapPanel(
                title: "\(stack == .encoder ? "E" : "D") \(title)", rows: layers, columns: heads,
                values: chosen.map { values[$0] })
        }
    }
}
