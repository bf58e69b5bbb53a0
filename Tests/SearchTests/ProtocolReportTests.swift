import Foundation
import Model
import Search
import XCTest

/// The table of `vtv protocol`: every fold's episodes pooled per task and condition, against hand
/// computations on made-up fold reports.
final class ProtocolReportTests: XCTestCase {
    /// A fold's evaluation of segmentation and in-painting with the given per-episode metrics
    /// (one-shot, zero-shot, zero-shot + TV).
    func foldReport(segmentation: [[Double]], inpaint: [[Double]]) -> EvaluationReport {
        func task(_ name: String, _ metric: PredictionMetric, _ values: [[Double]]) -> EvaluationReport.TaskResult {
            EvaluationReport.TaskResult(
                task: name, metric: metric, taskVectors: nil,
                modes: Dictionary(
                    uniqueKeysWithValues:
                        EvaluationMode.allCases.enumerated().map {
                            ($1, EvaluationReport.ModeResult(perPrompt: values[$0], rankSeconds: [1]))
                        }))
        }
        return EvaluationReport(
            model: .init(path: "m.h5", hash: "h"),
            prompts: .init(origin: "o", role: "eval", indices: [0, 1], names: ["o#0", "o#1"]),
            ranks: 1, batch: 1, flops: .init(configuration: .tiny),
            tasks: [task("segmentation", .segmentationIoU, segmentation), task("inpaint", .normalizedMSE, inpaint)])
    }

    func report() throws -> ProtocolReport {
        let setup = ProtocolReport.Setup(
            source: "synthetic:0", promptSeed: 0, folds: [0, 2], episodes: 2, pool: 8, selectBest: 2,
            search: SearchSettings(), finalSelection: .sample)
        return try ProtocolReport(
            model: .init(path: "m.h5", hash: "h"), setup: setup, ranks: 2,
            folds: [
                (0, foldReport(segmentation: [[0.8, 0.6], [0.2, 0.4], [0.5, 0.5]], inpaint: [[1, 1], [3, 3], [2, 2]])),
                (2, foldReport(segmentation: [[1.0, 0.6], [0.0, 0.2], [0.4, 0.6]], inpaint: [[1, 1], [3, 3], [1, 1]]))
            ])
    }

    func testEachCellPoolsTheEpisodesOfEveryFold() throws {
        let segmentation = try report().tasks[0]
        let oneShot = segmentation.condition(.oneShot)!
        // Pooled [0.8, 0.6, 1.0, 0.6]: mean 0.75; each fold keeps its own summary.
        XCTAssertEqual(oneShot.pooled, MetricSummary([0.8, 0.6, 1.0, 0.6]))
        XCTAssertEqual(oneShot.pooled.mean, 0.75, accuracy: 1e-15)
        XCTAssertEqual(oneShot.ciLow, oneShot.pooled.lower)
        XCTAssertEqual(oneShot.folds.map(\.fold), [0, 2])
        XCTAssertEqual(oneShot.folds[1].summary, MetricSummary([1.0, 0.6]))
        XCTAssertEqual(segmentation.metric, "iou")
        XCTAssertTrue(segmentation.higherIsBetter)
    }

    func testTheRecoveredShareComparesThePooledMeans() throws {
        let tasks = try report().tasks
        // Segmentation: one-shot 0.75, zero-shot 0.2, TV 0.5: (0.5 - 0.2) / (0.75 - 0.2) = 0.3 / 0.55.
        XCTAssertEqual(tasks[0].recovered!, 0.3 / 0.55, accuracy: 1e-12)
        // In-painting (MSE): one-shot 1, zero-shot 3, TV 1.5: (1.5 - 3) / (1 - 3) = 0.75.
        XCTAssertEqual(tasks[1].recovered!, 0.75, accuracy: 1e-12)
    }

    func testTheMarkdownHasTheConditionsAsRowsAndTheTasksAsColumns() throws {
        let text = try report().markdown()
        XCTAssertTrue(text.contains("| condition | segmentation (mIoU ↑) | inpaint (MSE ↓) |"), text)
        XCTAssertTrue(text.contains("| one-shot | 0.7500 ± "), text)
        XCTAssertTrue(text.contains("| zero-shot + TV | 0.5000 ± 0.0800 | 1.5000 ± 0.5658 |"), text)
        XCTAssertTrue(text.contains("| recovered by TV | 55% | 75% |"), text)
        XCTAssertTrue(text.contains("| segmentation | one-shot | 0.7000 ± 0.1960 | 0.8000 ± 0.3920 |"), text)
        XCTAssertTrue(text.contains("the 4 episodes of all folds pooled"), text)
    }

    func testTheJSONRoundTrips() throws {
        let original = try report()
        XCTAssertEqual(try ProtocolReport.decode(try original.jsonData()), original)
        let object = try JSONSerialization.jsonObject(with: try original.jsonData()) as! [String: Any]
        XCTAssertEqual(object["format"] as? String, "vtv-protocol-report")
        XCTAssertNotNil((object["tasks"] as! [[String: Any]])[0]["conditions"])
    }

    func testAFoldWithoutATaskIsRefused() throws {
        var partial = foldReport(segmentation: [[1], [0], [0]], inpaint: [[1], [2], [1]])
        partial.tasks.removeLast()
        let setup = ProtocolReport.Setup(
            source: "s", promptSeed: 0, folds: [0, 1], episodes: 1, pool: 1, selectBest: 1,
            search: SearchSettings(), finalSelection: .sample)
        XCTAssertThrowsError(
            try ProtocolReport(
                model: .init(path: "m", hash: "h"), setup: setup, ranks: 1,
                folds: [
                    (0, foldReport(segmentation: [[1], [0], [0]], inpaint: [[1], [2], [1]])), (1, partial)
                ])
        ) { XCTAssertTrue("\($0)".contains("fold 1's evaluation has no task 'inpaint'"), "\($0)") }
    }
}
