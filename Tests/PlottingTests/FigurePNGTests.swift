import Foundation
import Imaging
import Plotting
import TestSupport
import XCTest

/// Every figure must survive PNG encoding unchanged. Set VTV_PLOT_EXAMPLES to a folder to keep the
/// PNGs there for looking at.
final class FigurePNGTests: XCTestCase {
    private func assertRoundTrips(_ image: Image8, _ name: String, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        let bytes = try ImageFile.encodePNG(image, name: name)
        XCTAssertEqual(try ImageFile.decode(bytes, name: name), image, name, file: file, line: line)
        if let folder = ProcessInfo.processInfo.environment["VTV_PLOT_EXAMPLES"] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try ImageFile.writePNG(image, to: "\(folder)/\(name).png")
        }
    }

    func testHeatmapFigureRoundTripsThroughPNG() throws {
        // Smooth made-up scores with a few strong heads, as a search over (layer, head) might give.
        func scores(_ rows: Int, _ seed: Double) -> [Double] {
            (0..<rows * 16).map { i in
                let l = Double(i / 16), h = Double(i % 16)
                return sin(l * 0.3 + seed) * cos(h * 0.5) + (i % 37 == 0 ? 1.5 : 0)
            }
        }
        var decoder = scores(8, 2)
        decoder[5] = .nan
        let panels = [
            HeatmapPanel(title: "encoder", rows: 24, columns: 16, values: scores(24, 0)),
            HeatmapPanel(title: "decoder", rows: 8, columns: 16, values: decoder)
        ]
        try assertRoundTrips(
            try heatmapFigure(
                title: "Task-vector scores by head", panels: panels,
                valueLabel: "mean reward"), "heatmap")
        try assertRoundTrips(
            try heatmapFigure(
                title: "Change after patching", panels: panels, colormap: .blueWhiteRed,
                valueLabel: "delta mIoU"), "heatmap-diverging")
        let many = (0..<5).map {
            HeatmapPanel(title: "task \($0): segmentation", rows: 24, columns: 16, values: scores(24, Double($0)))
        }
        try assertRoundTrips(
            try heatmapFigure(title: "Per-task scores", panels: many, valueLabel: "score"), "heatmap-wrapped")
    }

    func testLineChartFigureRoundTripsThroughPNG() throws {
        let iterations = (0..<400).map(Double.init)
        let reward = LineSeries(
            name: "mean reward", x: iterations,
            y: iterations.map { 0.6 - 0.45 * exp(-$0 / 90) + 0.02 * sin($0 / 7) },
            band: iterations.map { 0.08 * exp(-$0 / 200) + 0.02 },
            color: RGB.seriesPalette[0])
        let evaluations = stride(from: 0.0, through: 400, by: 50).map { $0 }
        let eval = LineSeries(
            name: "validation mIoU", x: evaluations,
            y: evaluations.map { 0.55 - 0.35 * exp(-$0 / 120) }, color: RGB.seriesPalette[1], markers: true)
        try assertRoundTrips(
            try lineChartFigure(
                title: "REINFORCE search", xLabel: "iteration", yLabel: "reward",
                series: [reward, eval]), "line-chart")
        try assertRoundTrips(
            try lineChartFigure(title: "Empty", xLabel: "x", yLabel: "y", series: []), "line-chart-empty")
    }

    func testImageGridFigureRoundTripsThroughPNG() throws {
        func gradient(_ hue: Int) -> Image8 {
            var pixels = [UInt8]()
            for y in 0..<111 {
                for x in 0..<111 {
                    pixels += [UInt8((x * 2 + hue * 60) % 256), UInt8(y * 2), UInt8((x + y + hue * 90) % 256)]
                }
            }
            return Image8(width: 111, height: 111, channels: 3, pixels: pixels)
        }
        let rows: [[Image8?]] = [
            [gradient(0), gradient(1), nil, gradient(2)], [gradient(3), nil, gradient(4), gradient(1)]
        ]
        try assertRoundTrips(
            try imageGridFigure(
                title: "Visual prompts",
                columnTitles: ["example in", "example out", "query", "prediction with a long title"],
                rows: rows, rowTitles: ["segmentation", "colorization"]), "image-grid")
    }

    func testFontSheetOfAllPrintableASCIIRoundTripsThroughPNG() throws {
        let characters = (32...126).map { Character(UnicodeScalar(UInt8($0))) }
        var canvas = RasterCanvas(width: 660, height: 180)
        for (i, start) in stride(from: 0, to: characters.count, by: 32).enumerated() {
            let line = String(characters[start..<min(start + 32, characters.count)])
            canvas.drawText(line, x: 10, y: 10 + i * 40, scale: 3)
        }
        canvas.drawText("Up: layer 0-23", x: 625, y: 8, scale: 2, direction: .upward)
        try assertRoundTrips(canvas.image, "font-sheet")
    }
}
