import Model
import Search
import XCTest

/// The share of the one-shot advantage that task vectors recover (`vtv demo`'s report), against
/// hand computations.
final class RecoveredShareTests: XCTestCase {
    func testAHigherIsBetterMetricRecoversTheTaskVectorsGainOverTheOneShotGain() {
        // IoU: zero-shot 0.2, one-shot 0.7, TV 0.45: (0.45 - 0.2) / (0.7 - 0.2) = 0.5.
        let share = RecoveredShare(oneShot: 0.7, zeroShot: 0.2, taskVectors: 0.45)
        XCTAssertEqual(share.share!, 0.5, accuracy: 1e-12)
        XCTAssertEqual(share.formatted, "50%")
    }

    func testALowerIsBetterMetricGivesAPositiveShareWhenTheTaskVectorsLowerTheError() {
        // MSE: zero-shot 1.6, one-shot 0.6, TV 0.8: (0.8 - 1.6) / (0.6 - 1.6) = 0.8.
        let share = RecoveredShare(oneShot: 0.6, zeroShot: 1.6, taskVectors: 0.8)
        XCTAssertEqual(share.share!, 0.8, accuracy: 1e-12)
        XCTAssertEqual(share.formatted, "80%")
    }

    func testTaskVectorsWorseThanZeroShotGiveANegativeShare() {
        // MSE: zero-shot 0.86, one-shot 0.66, TV 0.88: (0.88 - 0.86) / (0.66 - 0.86) = -0.1.
        let share = RecoveredShare(oneShot: 0.66, zeroShot: 0.86, taskVectors: 0.88)
        XCTAssertEqual(share.share!, -0.1, accuracy: 1e-12)
        XCTAssertEqual(share.formatted, "-10%")
    }

    func testNoOneShotAdvantageLeavesNothingToRecover() {
        let share = RecoveredShare(oneShot: 0.5, zeroShot: 0.5, taskVectors: 0.4)
        XCTAssertNil(share.share)
        XCTAssertEqual(share.formatted, "n/a")
    }

    func testAReportTaskIsReadFromTheMeansOfItsThreeModes() {
        let modes: [EvaluationMode: EvaluationReport.ModeResult] = [
            .oneShot: .init(perPrompt: [0.5, 0.7], rankSeconds: [1]), // mean 0.6
            .zeroShot: .init(perPrompt: [1.0, 2.0], rankSeconds: [1]), // mean 1.5
            .taskVectors: .init(perPrompt: [0.9, 1.2], rankSeconds: [1]) // mean 1.05: (1.05 - 1.5) / (0.6 - 1.5) = 0.5
        ]
        let task = EvaluationReport.TaskResult(
            task: "lowlight_enhance", metric: .normalizedMSE, taskVectors: nil, modes: modes)
        let share = try! XCTUnwrap(RecoveredShare(task))
        XCTAssertEqual(share.oneShot, 0.6, accuracy: 1e-12)
        XCTAssertEqual(share.zeroShot, 1.5, accuracy: 1e-12)
        XCTAssertEqual(share.taskVectors, 1.05, accuracy: 1e-12)
        XCTAssertEqual(share.share!, 0.5, accuracy: 1e-12)
    }

    func testAReportTaskWithoutTaskVectorsHasNoShare() {
        let task = EvaluationReport.TaskResult(
            task: "segmentation", metric: .segmentationIoU, taskVectors: nil,
            modes: [
                .oneShot: .init(perPrompt: [0.7], rankSeconds: [1]),
                .zeroShot: .init(perPrompt: [0.2], rankSeconds: [1])
            ])
        XCTAssertNil(RecoveredShare(task))
    }
}
