import Foundation
import Imaging
import Search

/// The files of `vtv score --geometry DIR` (docs/formats.md, "Task geometry"), computed from an
/// activations file: geometry.json, geometry.md and cosines.png always; clustering.png and
/// projection.png when at least two of the tasks have per-prompt outputs (`vtv collect --per-prompt`).
public enum GeometryFiles {
    /// Every file the geometry may write, for output checks.
    public static let names = ["geometry.json", "geometry.md", "cosines.png", "clustering.png", "projection.png"]

    /// The files by name, and a one-line summary. `projectionHead` picks the projected head (default:
    /// the head whose prompts cluster most, `PromptClustering.mostClustered`); `progress(done, total)`
    /// follows the passes over per-prompt outputs.
    public static func make(
        activations: ActivationsFile, tasks: [String], projectionHead: HeadUnit? = nil,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> (files: [String: Data], summary: String) {
        let means = try TaskMeanCosines(activations: activations, tasks: tasks)
        var files: [String: Data] = ["cosines.png": Data(try ImageFile.encodePNG(try GeometryFigures.cosines(means)))]
        let withRows = tasks.filter { activations.perPrompt[$0] != nil }
        var clustering: PromptClustering?
        var projection: PromptProjection?
        var summary = String(
            format: "task geometry: mean cosine between task means %.4f", GeometryReport.mean(means.meanBetweenTasks))
        if withRows.count >= 2 {
            let readers = try withRows.map { try PerPromptReader(activations, task: $0) }
            let total = readers.map(\.count).reduce(0, +)
            let c = try PromptClustering(readers: readers) { progress($0, 2 * total) }
            let unit = projectionHead ?? c.units[c.mostClustered]
            let p = try PromptProjection(readers: readers, unit: unit)
            progress(2 * total, 2 * total)
            files["clustering.png"] = Data(try ImageFile.encodePNG(try GeometryFigures.clustering(c)))
            files["projection.png"] = Data(try ImageFile.encodePNG(try GeometryFigures.projection(p)))
            summary += String(
                format: "; prompts of %d tasks: within-task cosine %.4f, between-task %.4f (means over heads); "
                    + "projection of %@", withRows.count, GeometryReport.mean(c.within), GeometryReport.mean(c.between),
                unit.name)
            (clustering, projection) = (c, p)
        } else if projectionHead != nil {
            throw SearchInputError.invalid(
                "--projection-head needs per-prompt outputs of at least two of the tasks (vtv collect --per-prompt); "
                    + "\(withRows.isEmpty ? "none has them" : "only \(withRows[0]) has them")")
        }
        let report = GeometryReport(
            activations: activations, means: means, clustering: clustering, projection: projection)
        files["geometry.json"] = try report.jsonData()
        files["geometry.md"] = Data(report.markdown.utf8)
        return (files, summary)
    }
}
