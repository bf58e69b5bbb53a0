import Foundation
import Imaging
import Prompts
import Storage
import TestSupport
import XCTest

/// Rebuilds the 25 canvases of fixture.h5 (written by the published PyTorch pipeline) from the
/// fixture's VOC folder, the recorded query/support names and in-painting squares, and the classes
/// of voc/splits/fold0.txt.
final class FixtureCanvasParityTests: XCTestCase {
    func testAllTwentyFiveFixtureCanvasesAreRebuiltWithinOneLevel() throws {
        let voc = try Pascal5i(vocRoot: TestPaths.officialSmall.appendingPathComponent("voc").path, fold: 0)
        let file = try HDF5File.open(TestPaths.fixtureH5)
        defer { try? file.commit() }
        var total = 0, identical = 0
        var worst: Float = 0
        for i in 0..<5 {
            let group = "prompts/\(i)"
            guard case let .string(query) = try file.root.attribute("query", of: group),
                case let .string(support) = try file.root.attribute("support", of: group),
                case let .ints(hw) = try file.root.attribute("inpaint_square_hw", of: group)
            else {
                return XCTFail("prompt \(i) attributes have unexpected types")
            }
            // The published sampler draws the support from the query's class.
            let classID = try XCTUnwrap(voc.classID(of: query))
            XCTAssertEqual(voc.classID(of: support), classID)
            let spec = PromptSpec(
                query: query, support: support, classID: classID,
                square: InpaintSquare(row: hw[0], col: hw[1]))
            for canvas in try voc.canvases(spec) {
                let expected = try file.root.read("\(group)/\(canvas.task.rawValue)/canvas", as: Float.self)
                XCTAssertEqual(expected.shape, [3, 224, 224])
                var taskWorst: Float = 0
                for (a, b) in zip(canvas.values, expected.values) {
                    let d = abs(a - b)
                    if d == 0 { identical += 1 }
                    taskWorst = max(taskWorst, d)
                }
                total += expected.values.count
                worst = max(worst, taskWorst)
                XCTAssertLessThanOrEqual(taskWorst * 255, 1.0001, "prompt \(i) \(canvas.task.rawValue)")
            }
        }
        XCTAssertEqual(total, 25 * 3 * 224 * 224)
        let fraction = Double(identical) / Double(total)
        XCTAssertGreaterThanOrEqual(fraction, 0.99, "identical fraction \(fraction), worst \(worst * 255) levels")
        print("fixture canvases: \(identical)/\(total) values identical, worst difference \(worst * 255) / 255")
    }
}
