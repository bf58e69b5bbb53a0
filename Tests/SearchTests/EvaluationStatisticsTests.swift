import Foundation
import Model
import Search
import XCTest

/// The confidence intervals and report numbers of `vtv eval`, against hand computations.
final class EvaluationStatisticsTests: XCTestCase {
    func testThreeValuesGiveTheHandComputedMeanSampleStdAndHalfWidth() {
        // [1, 2, 4]: mean 7/3; squared deviations 16/9 + 1/9 + 25/9 = 42/9; sample variance 42/18 = 7/3;
        // std sqrt(7/3) = 1.5275252...; half-width 1.96 * sqrt(7/3) / sqrt(3) = 1.96 * sqrt(7) / 3 = 1.7285583...
        let summary = MetricSummary([1, 2, 4])
        XCTAssertEqual(summary.count, 3)
        XCTAssertEqual(summary.mean, 7.0 / 3, accuracy: 1e-15)
        XCTAssertEqual(summary.standardDeviation!, (7.0 / 3).squareRoot(), accuracy: 1e-15)
        XCTAssertEqual(summary.halfWidth!, 1.96 * 7.0.squareRoot() / 3, accuracy: 1e-15)
        XCTAssertEqual(summary.lower, 7.0 / 3 - 1.96 * 7.0.squareRoot() / 3, accuracy: 1e-15)
        XCTAssertEqual(summary.upper, 7.0 / 3 + 1.96 * 7.0.squareRoot() / 3, accuracy: 1e-15)
    }

    func testTwoValuesHaveAHalfWidthOf098TimesTheirDistance() {
        // std |a - b| / sqrt(2), half-width 1.96 * std / sqrt(2) = 0.98 |a - b|.
        let summary = MetricSummary([0.25, 0.75])
        XCTAssertEqual(summary.mean, 0.5)
        XCTAssertEqual(summary.halfWidth!, 0.49, accuracy: 1e-15)
    }

    func testASinglePromptHasNoIntervalAndSaysSo() {
        let summary = MetricSummary([0.3])
        XCTAssertNil(summary.standardDeviation)
        XCTAssertNil(summary.halfWidth)
        XCTAssertEqual(summary.lower, 0.3)
        XCTAssertEqual(summary.formatted(), "0.3000 (n=1)")
    }

    func testIdenticalValuesHaveAZeroWidthInterval() {
        let summary = MetricSummary([2.5, 2.5, 2.5, 2.5])
        XCTAssertEqual(summary.standardDeviation, 0)
        XCTAssertEqual(summary.halfWidth, 0)
        XCTAssertEqual(summary.formatted(digits: 2), "2.50 ± 0.00")
    }

    func testTheFLOPsReductionOfViTLargeIsTheAnalyticRatio() {
        // ModelConfiguration.forwardFLOPs: ViT-L 35.82 GFLOP zero-shot, 102.69 one-shot -> 65.1% fewer.
        let flops = EvaluationReport.FLOPs(configuration: .vitLarge)
        XCTAssertEqual(flops.oneShot / 1e9, 102.69, accuracy: 0.01)
        XCTAssertEqual(flops.zeroShotTaskVectors, flops.zeroShot)
        XCTAssertEqual(flops.reductionVersusOneShot, 1 - 35.82 / 102.69, accuracy: 1e-3)
    }

    private func sampleReport() -> EvaluationReport {
        let segmentation = EvaluationReport.TaskResult(
            task: "segmentation", metric: .segmentationIoU, taskVectors: nil,
            modes: [.oneShot: .init(perPrompt: [0.25, 0.75], rankSeconds: [1, 3]),
                    .zeroShot: .init(perPrompt: [0.5, 0.5], rankSeconds: [2, 1])])
        return EvaluationReport(model: .init(path: "m.h5", hash: "abc"),
                                prompts: .init(origin: "p.h5", role: "eval", indices: [3, 4], names: ["p.h5#3", "p.h5#4"]),
                                ranks: 2, batch: 8, flops: .init(configuration: .tiny), tasks: [segmentation])
    }

    func testTheReportSurvivesAJSONRoundTripWithSnakeCaseKeys() throws {
        let report = sampleReport()
        let data = try report.jsonData()
        XCTAssertEqual(try EvaluationReport.decode(data), report)
        let json = try XCTUnwrap(JSONSerialization.jsonObject(with: data) as? [String: Any])
        let task = try XCTUnwrap((json["tasks"] as? [[String: Any]])?.first)
        XCTAssertEqual(task["higher_is_better"] as? Bool, true)
        let oneShot = try XCTUnwrap((task["modes"] as? [String: Any])?["one_shot"] as? [String: Any])
        XCTAssertEqual(oneShot["per_prompt"] as? [Double], [0.25, 0.75])
        XCTAssertEqual(oneShot["ci_low"] as? Double ?? 0, 0.01, accuracy: 1e-12)
        XCTAssertEqual(oneShot["ci_high"] as? Double ?? 0, 0.99, accuracy: 1e-12)
    }

    func testTheMarkdownTableShowsMeansWithHalfWidthsAndMissingModesAsNA() {
        let report = sampleReport()
        let markdown = report.markdown()
        XCTAssertTrue(markdown.contains("| segmentation (mIoU, higher is better) | 0.5000 ± 0.4900 | 0.5000 ± 0.0000 | n/a |"), markdown)
        // Wall time of a mode is its slowest rank: 3 s for one-shot, 2 s for zero-shot.
        XCTAssertEqual(report.tasks[0].result(.oneShot)?.seconds, 3)
        XCTAssertTrue(markdown.contains("| one-shot | 3.00 | 0.67 |"), markdown)
        XCTAssertEqual(report.modes, [.oneShot, .zeroShot])
    }

    func testTheReportFolderReplacesItsOwnFilesAndKeepsEverythingElse() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("vtv-report-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: parent) }
        let out = parent.appendingPathComponent("report").path
        try ReportFolder.write(["a.txt": Data("old".utf8), "mine.txt": Data("user".utf8)], to: out)
        try ReportFolder.write(["a.txt": Data("new".utf8)], to: out)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: parent.path), ["report"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out).sorted(), ["a.txt", "mine.txt"])
        XCTAssertEqual(try String(contentsOfFile: out + "/a.txt", encoding: .utf8), "new")
        XCTAssertEqual(try String(contentsOfFile: out + "/mine.txt", encoding: .utf8), "user")
    }
}
