import Foundation
import Imaging
import Prompts
import TestSupport
import XCTest

/// `vtv prompts render` (the built binary) writes a canvas as an 8-bit PNG of round(255 v).
final class PromptsFileRenderTests: XCTestCase {
    func testARenderedFixtureCanvasDecodesToTheStoredCanvas() throws {
        let dir = try TestPaths.temporaryDirectory("vtv-render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("canvas.png").path
        let result = try runCommand(
            TestPaths.vtv,
            [
                "prompts", "render", "--prompts", TestPaths.fixtureH5,
                "--index", "3", "--task", "inpaint", "--out", png
            ])
        XCTAssertEqual(result.status, 0, result.output)
        let image = try ImageFile.read(png)
        XCTAssertEqual([image.width, image.height, image.channels], [224, 224, 3])
        let canvas = try PromptsFile(path: TestPaths.fixtureH5).canvas(3, task: .inpaint)
        let n = 224 * 224
        var differing = 0, inexact = 0
        for i in 0..<n {
            for c in 0..<3 {
                let level = image.pixels[3 * i + c], value = canvas.values[c * n + i]
                if level != UInt8((255 * value).rounded()) { differing += 1 }
                // In-painting canvases hold k/255 (8-bit resizes) or 0, so the PNG holds them exactly.
                if Float(level) / 255 != value { inexact += 1 }
            }
        }
        XCTAssertEqual(differing, 0)
        XCTAssertEqual(inexact, 0)
    }

    func testRenderingATaskTheFileLacksFailsAndWritesNothing() throws {
        let dir = try TestPaths.temporaryDirectory("vtv-render")
        defer { try? FileManager.default.removeItem(at: dir) }
        let png = dir.appendingPathComponent("canvas.png").path
        let result = try runCommand(
            TestPaths.vtv,
            [
                "prompts", "render", "--prompts", TestPaths.fixtureH5,
                "--index", "0", "--task", "segmentation_holed_query", "--out", png
            ])
        XCTAssertEqual(result.status, 1, result.output)
        XCTAssertTrue(result.stderr.contains("has no canvases for task 'segmentation_holed_query'"), result.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), [])
    }
}
