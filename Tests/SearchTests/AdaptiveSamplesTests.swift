import Search
import XCTest

/// `--adaptive-samples` (`AdaptiveSamples`): the count doubles at each held-out check that finds no
/// better loss, up to the maximum, and depends only on the checks.
final class AdaptiveSamplesTests: XCTestCase {
    func checks(_ losses: [Double]) -> [EvaluationRecord] {
        losses.enumerated().map { EvaluationRecord(iteration: 5 * ($0.offset + 1), loss: $0.element, patched: 0) }
    }

    func testTheCountDoublesAtEachStallUpToTheMaximum() {
        // 0.9 (best), 0.8 (best), 0.85 (stall), 0.8 (stall: equal is not better), nan (stall), 0.7 (best), 0.9 (stall).
        let losses = [0.9, 0.8, 0.85, 0.8, .nan, 0.7, 0.9]
        let expected = [0, 0, 1, 2, 3, 3, 4]
        for k in 0..<losses.count {
            XCTAssertEqual(AdaptiveSamples.stalls(checks(Array(losses[...k]))), expected[k], "after \(k + 1) checks")
        }
        XCTAssertEqual(AdaptiveSamples.samples(minimum: 6, maximum: 40, evaluations: []), 6)
        XCTAssertEqual(
            (1...7).map { AdaptiveSamples.samples(minimum: 6, maximum: 40, evaluations: checks(Array(losses[..<$0]))) },
            [6, 6, 12, 24, 40, 40, 40])
        var settings = SearchSettings()
        (settings.samplesPerIteration, settings.evalEvery) = (32, 5)
        XCTAssertEqual(settings.samples(after: checks(losses)), 32, "off: always --samples")
        settings.adaptiveMinimum = 5
        XCTAssertEqual(settings.samples(after: checks(Array(losses[..<3]))), 10)
        XCTAssertEqual(settings.fewestSamples, 5)
        // The last iteration's check (iteration 12, not a multiple of 5) of a run stopped there does not
        // count: the run continued from its checkpoint would otherwise differ from the uninterrupted one.
        let stopped = checks([0.9, 0.8]) + [EvaluationRecord(iteration: 12, loss: 0.95, patched: 0)]
        XCTAssertEqual(settings.samples(after: stopped), 5)
    }

    /// `--stop-on-plateau K`: K periodic checks in a row after the best; the extra check at a run's last
    /// iteration (not a multiple of --eval-every) does not count, as for the sample count above.
    func testThePlateauCountsPeriodicChecksAfterTheBestOnly() {
        var settings = SearchSettings()
        (settings.evalEvery, settings.stopOnPlateau) = (5, 2)
        let best = checks([0.9, 0.7]) // iterations 5 and 10; the best at 10
        XCTAssertFalse(settings.plateaued(evaluations: best, bestIteration: 10))
        XCTAssertFalse(settings.plateaued(evaluations: checks([0.9, 0.7, 0.8]), bestIteration: 10), "one stall")
        XCTAssertTrue(settings.plateaued(evaluations: checks([0.9, 0.7, 0.8, 0.75]), bestIteration: 10), "two")
        let stoppedAt12 = best + [EvaluationRecord(iteration: 12, loss: 0.95, patched: 0)]
        XCTAssertFalse(
            settings.plateaued(evaluations: stoppedAt12, bestIteration: 10), "the last check is not periodic")
        XCTAssertTrue(
            settings.plateaued(
                evaluations: stoppedAt12 + [EvaluationRecord(iteration: 15, loss: 0.8, patched: 0)]
                    + [EvaluationRecord(iteration: 20, loss: 0.8, patched: 0)], bestIteration: 10))
        settings.stopOnPlateau = 0
        XCTAssertFalse(settings.plateaued(evaluations: checks([0.9, 0.7, 0.8, 0.8, 0.8]), bestIteration: 10), "off")
    }
}
