import Foundation
import TestSupport
import XCTest

/// `vtv bench forward` and its VQGAN stages on the tiny configuration (the benchmarks of
/// docs/benchmarks.md run the same code on vit-large): the lines the docs quote are printed.
final class BenchCommandTests: XCTestCase {
    func vtv(_ arguments: String...) throws -> CommandResult { try runCommand(TestPaths.vtv, arguments) }

    func testForwardPrintsMillisecondsGFLOPsAndPeakMemoryPerBatchSize() throws {
        let r = try vtv(
            "bench", "forward", "--config", "tiny", "--mode", "one-shot", "--batch", "1,2", "--repeats", "1")
        XCTAssertEqual(r.status, 0, r.output)
        for batch in ["batch   1:", "batch   2:"] {
            let line = r.stdout.split(separator: "\n").first { $0.hasPrefix(batch) }
            XCTAssertNotNil(line, r.output)
            XCTAssertTrue(
                line?.contains("ms/sample") == true && line?.contains("GFLOP/s") == true
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
        let r = try runMPI(
            ranks: 2, TestPaths.vtv,
            [
                "bench", "search-overhead", "--config", "tiny", "--granularity", "1",
                "--samples", "16", "--iterations", "2", "--method", "both"
            ])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("16 samples per iteration on 2 rank(s), 2 iteration(s)"), r.output)
        for method in ["gathered", "reduced"] {
            let lines = r.stdout.split(separator: "\n").filter { $0.hasPrefix("  \(method): ") }
            XCTAssertEqual(lines.count, 1, "rank 0 alone reports each method once: \(r.output)")
            XCTAssertTrue(
                lines.first?.contains("ms per sample a rank evaluates") == true
                    && lines.first?.contains("ms of it in collectives") == true, r.output)
        }
    }
    /// Whether this machine's CPU has AVX512_BF16 (the bf16 commands refuse to run without it).
    private var cpuHasBF16: Bool {
        ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").contains(" avx512_bf16")
    }

    /// "Linear layers P: packed weights X MiB" of a forward benchmark's output.
    private func packedMiB(_ output: String) -> Double? {
        guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("Linear layers ") }),
            let range = line.range(of: "packed weights ")
        else { return nil }
        return Double(line[range.upperBound...].split(separator: " ")[0])
    }

    func testBF16LinearsHalveThePackedWeightsOrAreRefusedWithoutTheInstruction() throws {
        let fp32 = try vtv("bench", "forward", "--config", "tiny", "--batch", "1", "--repeats", "1")
        XCTAssertEqual(fp32.status, 0, fp32.output)
        XCTAssertTrue(fp32.stdout.contains("Linear layers fp32: packed weights"), fp32.output)
        let bf16 = try vtv(
            "bench", "forward", "--config", "tiny", "--batch", "1", "--repeats", "1", "--precision", "bf16")
        if cpuHasBF16 {
            XCTAssertEqual(bf16.status, 0, bf16.output)
            XCTAssertTrue(bf16.stdout.contains("batch   1:"), bf16.output)
            let full = try XCTUnwrap(packedMiB(fp32.stdout)), half = try XCTUnwrap(packedMiB(bf16.stdout))
            XCTAssertEqual(half * 2, full, accuracy: 0.1 + 0.02 * full, bf16.output)
        } else {
            XCTAssertEqual(bf16.status, 2, bf16.output)
            XCTAssertTrue(bf16.stderr.contains("AVX512_BF16"), bf16.output)
        }
    }

    func testPrecisionAppliesToTheMAEOnly() throws {
        let r = try vtv("bench", "forward", "--config", "tiny", "--vqgan", "decode", "--precision", "bf16")
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.stderr.contains(cpuHasBF16 ? "the VQGAN stages run in fp32" : "AVX512_BF16"), r.output)
    }

    func testBenchPrecisionReportsLogitTokenAndPixelDifferencesPerPrompt() throws {
        let dir = try TestPaths.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let prompts = dir.appendingPathComponent("p.h5").path
        let export = try vtv(
            "prompts", "export", "--source", "synthetic:0", "--role", "eval", "--count", "2",
            "--tasks", "segmentation", "--canvas-size", "112", "--out", prompts)
        XCTAssertEqual(export.status, 0, export.output)
        let r = try vtv("bench", "precision", "--prompts", prompts, "--count", "2")
        guard cpuHasBF16 else {
            XCTAssertEqual(r.status, 2, r.output)
            XCTAssertTrue(r.stderr.contains("AVX512_BF16"), r.output)
            return
        }
        XCTAssertEqual(r.status, 0, r.output)
        let lines = r.stdout.split(separator: "\n")
        XCTAssertTrue(lines.contains { $0.hasPrefix("     1  ") && $0.contains("/ 196") }, r.output)
        XCTAssertTrue(lines.contains { $0.hasPrefix("all ") }, r.output)
        let tooMany = try vtv("bench", "precision", "--prompts", prompts, "--count", "3")
        XCTAssertEqual(tooMany.status, 2, tooMany.output)
        XCTAssertTrue(tooMany.stderr.contains("--count 3 exceeds the 2 prompts"), tooMany.output)
    }
}
