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
}
