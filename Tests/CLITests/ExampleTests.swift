import Foundation
import Storage
import TestSupport
import XCTest

/// Examples/TaskVectorStudy, the public API's test: it uses `import VTV` alone, so it stops
/// compiling when the API it shows breaks, and here it must run a whole study and say what it found.
final class ExampleTests: XCTestCase {
    static var study: String { TestPaths.productsDirectory.appendingPathComponent("TaskVectorStudy").path }

    private func checkStudy(_ r: CommandResult, folder: URL) throws {
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("collect: 8 prompts into "), r.output)
        XCTAssertTrue(r.stdout.contains("at iteration") && r.stdout.contains(" of 4\n"), r.output)
        XCTAssertTrue(r.stdout.contains("eval: segmentation (iou): one-shot"), r.output)
        XCTAssertTrue(r.stdout.contains("zero-shot + TV"), r.output)
        XCTAssertTrue(r.stdout.contains("patched forward pass: 98 tokens predicted"), r.output)
        for file in ["activations.h5", "tv.h5", "tv.json", "eval/report.json", "eval/report.md"] {
            XCTAssertTrue(
                FileManager.default.fileExists(atPath: folder.appendingPathComponent(file).path), "\(file) missing")
        }
        let vectors = try HDF5File.open(folder.appendingPathComponent("tv.h5").path)
        defer { vectors.discard() }
        XCTAssertEqual(try vectors.root.attribute("task").stringValue, "segmentation")
    }

    func testTheStudyRunsEndToEnd() throws {
        let dir = try TestPaths.temporaryDirectory("vtv-example")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("study")
        let r = try runCommand(Self.study, [folder.path], environment: ["VTV_QUIET": "1"])
        try checkStudy(r, folder: folder)
    }

    /// The same study on two ranks: the stages' collectives live in the library.
    func testTheStudyRunsOnTwoRanks() throws {
        let dir = try TestPaths.temporaryDirectory("vtv-example-mpi")
        defer { try? FileManager.default.removeItem(at: dir) }
        let folder = dir.appendingPathComponent("study")
        let r = try runMPI(ranks: 2, Self.study, [folder.path], environment: ["VTV_QUIET": "1"])
        try checkStudy(r, folder: folder)
    }
}
