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

    /// The expected numbers come from a hand count of the published architecture, written out here
    /// independently of the code (2 FLOPs per multiply-add; matrix products and convolutions only):
    ///
    ///     mm = lambda m, n, k: 2 * m * n * k
    ///     block = lambda t, w, h: mm(t, 3 * w, w) + 2 * mm(t, t, w) + mm(t, w, w) + 2 * mm(t, h, w)
    ///     # encoder: patch embedding of the visible patches (16x16x3 -> 1024), 24 blocks of width
    ///     # 1024 / MLP 4096 over cls + visible tokens; decoder: embedding 1024 -> 512, 8 blocks of
    ///     # width 512 / MLP 2048 over cls + kept tokens, prediction 512 -> 1024 per kept position
    ///     mae = lambda v, k: (mm(v, 1024, 768) + 24 * block(v + 1, 1024, 4096) + mm(v + 1, 512, 1024)
    ///                         + 8 * block(k + 1, 512, 2048) + mm(k, 1024, 512))
    ///     mae(147, 196) = 102,685,360,128   # one-shot: Q1, Q2, Q3 visible, all 196 positions kept
    ///     mae(49, 98)   =  35,820,421,120   # zero-shot: Q3 visible, the bottom 98 positions kept
    ///     # VQGAN decoder, 14x14 tokens -> 224x224: post_quant 1x1 256->256, conv_in 3x3 256->512,
    ///     # mid (res 512, attention 512, res 512) at 14x14, then levels 4..0 with 512, 256, 256,
    ///     # 128, 128 channels, 3 res blocks each (attention after each at level 4), a nearest x2
    ///     # upsample + 3x3 conv below every level but 0, conv_out 3x3 128->3. A res block is two 3x3
    ///     # convs (+ a 1x1 shortcut when channels change); attention is four 1x1 convs + 2 * mm(P, P, C).
    ///     vqgan = 193,414,430,720
    ///     1 - 35.82 / 102.69 = 0.65116        # MAE only
    ///     1 - 229.23 / 296.10 = 0.22582       # with the decoding, as the paper counts (about 22.5%)
    func testTheFLOPsOfViTLargeMatchAHandCountMAEAloneAndWithTheVQGANDecoding() {
        let flops = EvaluationReport.FLOPs(configuration: .vitLarge)
        XCTAssertEqual(flops.oneShot, 102_685_360_128)
        XCTAssertEqual(flops.zeroShot, 35_820_421_120)
        XCTAssertEqual(flops.zeroShotTaskVectors, flops.zeroShot)
        XCTAssertEqual(flops.vqganDecode, 193_414_430_720)
        XCTAssertEqual(flops.reductionVersusOneShot, 0.651163, accuracy: 1e-6)
        XCTAssertEqual(flops.reductionWithVQGANVersusOneShot, 0.225819, accuracy: 1e-6)
    }

    func testTheReportLabelsBothFLOPCounts() {
        let markdown = sampleReport().markdown()
        XCTAssertTrue(
            markdown.contains(
                "| mode | MAE GFLOP | vs one-shot | MAE + VQGAN decoding GFLOP (the paper's count) | vs one-shot |"),
            markdown)
        let flops = EvaluationReport.FLOPs(configuration: .tiny)
        XCTAssertTrue(
            markdown.contains(String(format: "%.1f%% fewer MAE FLOPs", flops.reductionVersusOneShot * 100)), markdown)
        XCTAssertTrue(
            markdown.contains(
                String(
                    format: "and %.1f%% fewer counting the VQGAN decoding",
                    flops.reductionWithVQGANVersusOneShot * 100)), markdown)
        XCTAssertLessThan(flops.reductionWithVQGANVersusOneShot, flops.reductionVersusOneShot)
    }

    private func sampleReport() -> EvaluationReport {
        let segmentation = EvaluationReport.TaskResult(
            task: "segmentation", metric: .segmentationIoU, taskVectors: nil,
            modes: [
                .oneShot: .init(perPrompt: [0.25, 0.75], rankSeconds: [1, 3]),
                .zeroShot: .init(perPrompt: [0.5, 0.5], rankSeconds: [2, 1])
            ])
        return EvaluationReport(
            model: .init(path: "m.h5", hash: "abc"),
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
        XCTAssertTrue(
            markdown.contains("| segmentation (mIoU, higher is better) | 0.5000 ± 0.4900 | 0.5000 ± 0.0000 | n/a |"),
            markdown)
        // Wall time of a mode is its slowest rank: 3 s for one-shot, 2 s for zero-shot.
        XCTAssertEqual(report.tasks[0].result(.oneShot)?.seconds, 3)
        XCTAssertTrue(markdown.contains("| one-shot | 3.00 | 0.67 |"), markdown)
        XCTAssertEqual(report.modes, [.oneShot, .zeroShot])
    }

    func testTheReportFolderReplacesItsOwnFilesAndKeepsEverythingElse() throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent(
            "vtv-report-\(UUID().uuidString.prefix(8))")
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
