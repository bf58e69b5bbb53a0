import XCTest

@testable import Model

/// How a batch is shared between threads: contiguous, non-empty, balanced by FLOPs.
final class BatchSplitTests: XCTestCase {
    let configuration = ModelConfiguration.vitLarge

    private func layouts(_ modes: [PromptMode]) -> [TokenLayout] {
        modes.map { TokenLayout(mode: $0, grid: configuration.grid) }
    }

    private func chunks(_ modes: [PromptMode], workers: Int, shared: Bool = false) -> [Range<Int>] {
        BatchSplit.chunks(layouts(modes), configuration: configuration, workers: workers, sharedRecorders: shared)
    }

    func testEqualSamplesAreSplitEvenly() {
        XCTAssertEqual(chunks(Array(repeating: .zeroShot, count: 32), workers: 2), [0..<16, 16..<32])
        // Cuts nearest 7/3 and 14/3 samples.
        XCTAssertEqual(chunks(Array(repeating: .zeroShot, count: 7), workers: 3), [0..<2, 2..<5, 5..<7])
    }

    func testOneWorkerOneSampleOrASharedRecorderKeepTheBatchWhole() {
        XCTAssertEqual(chunks([.zeroShot, .oneShot], workers: 1), [0..<2])
        XCTAssertEqual(chunks([.oneShot], workers: 4), [0..<1])
        XCTAssertEqual(chunks([.zeroShot, .zeroShot], workers: 2, shared: true), [0..<2])
        XCTAssertEqual(chunks([], workers: 2), [0..<0])
    }

    func testMoreWorkersThanSamplesGiveOneSampleEach() {
        XCTAssertEqual(chunks([.zeroShot, .oneShot, .zeroShot], workers: 8), [0..<1, 1..<2, 2..<3])
    }

    func testMixedModesAreBalancedByWorkNotByCount() {
        // A one-shot sample costs about 2.9 zero-shot ones (102.7 vs 35.8 GFLOP in ViT-L).
        let modes: [PromptMode] = [.oneShot, .oneShot] + Array(repeating: .zeroShot, count: 6)
        XCTAssertEqual(chunks(modes, workers: 2), [0..<2, 2..<8])
        // Every worker gets a sample even when the first one alone exceeds its share.
        XCTAssertEqual(chunks([.oneShot, .zeroShot, .zeroShot], workers: 3), [0..<1, 1..<2, 2..<3])
    }

    func testChunksCoverTheBatchInOrderWithoutGaps() {
        for count in 1...12 {
            for workers in 1...5 {
                let modes = (0..<count).map { $0 % 3 == 0 ? PromptMode.oneShot : .zeroShot }
                let ranges = chunks(modes, workers: workers)
                XCTAssertEqual(ranges.count, min(count, workers))
                XCTAssertEqual(ranges.first?.lowerBound, 0)
                XCTAssertEqual(ranges.last?.upperBound, count)
                XCTAssertTrue(ranges.allSatisfy { !$0.isEmpty })
                XCTAssertTrue(zip(ranges, ranges.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
            }
        }
    }

    func testASharedRecorderIsDetected() {
        let recorder = HeadRecorder(configuration: .tiny, mode: .zeroShot)
        let canvas = [Float](repeating: 0, count: 3)
        XCTAssertTrue(
            BatchSplit.sharesRecorders([
                MAESample(canvas: canvas, mode: .zeroShot, recorder: recorder),
                MAESample(canvas: canvas, mode: .zeroShot),
                MAESample(canvas: canvas, mode: .zeroShot, recorder: recorder)
            ]))
        XCTAssertFalse(
            BatchSplit.sharesRecorders([
                MAESample(canvas: canvas, mode: .zeroShot, recorder: recorder),
                MAESample(
                    canvas: canvas, mode: .zeroShot, recorder: HeadRecorder(configuration: .tiny, mode: .zeroShot)),
                MAESample(canvas: canvas, mode: .zeroShot)
            ]))
    }
}
