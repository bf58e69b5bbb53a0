import Foundation
import TestSupport
import XCTest

/// `vtv bench forward` and its VQGAN stages on the tiny configuration (the benchmarks of
/// docs/benchmarks.md run the same code on vit-large): the lines the docs quote are printed.
final class BenchCommandTests: XCTestCase {
    func vtv(_ arguments: String...) throws -> CommandResult { try runCommand(TestPaths.vtv, arguments) }

    func testForwardPrintsMillisecondsGFLOPsAndPeakMemoryPerBatchSize() throws {
        let r = try vtv("bench", "forward", "--config", "tiny", "--mode", "one-shot", "--batch", "1,2", "--repeats", "1")
        XCTAssertEqual(r.status, 0, r.output)
        for batch in ["batch   1:", "batch   2:"] {
            let line = r.stdout.split(separator: "\n").first { $0.hasPrefix(batch) }
            XCTAssertNotNil(line, r.output)
            XCTAssertTrue(line?.contains("ms/sample") == true && line?.contains("GFLOP/s") == true
                          && line?.contains("peak RSS") == true, r.output)
        }
    }

    func testVqganStagesTimeTheConfigurationsVQGAN() throws {
        for stage in ["encode", "decode"] {
            let r = try vtv("bench", "forward", "--config", "tiny", "--vqgan", stage, "--repeats", "1")
            XCTAssertEqual(r.status, 0, r.output)
            XCTAssertTrue(r.stdout.contains("vqgan \(stage) batch 1: median"), r.output)
            XCTAssertTrue(r.stdout.contains("GFLOP per canvas"), r.output)
        }
    }

    func testAnUnknownVqganStageExitsTwo() throws {
        let r = try vtv("bench", "forward", "--vqgan", "dec")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--vqgan must be one of encode, decode"), r.output)
    }

    func testSearchOverheadReportsBothMethodsAndTheirCollectivesOnTwoRanks() throws {
        let r = try runMPI(ranks: 2, TestPaths.vtv, ["bench", "search-overhead", "--config", "tiny", "--granularity", "1",
                                                     "--samples", "16", "--iterations", "2", "--method", "both"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("16 samples per iteration on 2 rank(s), 2 iteration(s)"), r.output)
        for method in ["gathered", "reduced"] {
            let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  \(method): ") }
            XCTAssertEqual(lines.count, 1, "rank 0 alone reports each method once: \(r.output)")
            XCTAssertTrue(lines.first?.contains("ms per sample a rank evaluates") == true
                          && lines.first?.contains("ms of it in collectives") == true, r.output)
        }
    }
}
