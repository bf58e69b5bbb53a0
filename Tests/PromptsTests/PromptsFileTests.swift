import Foundation
import Prompts
import Storage
import TestSupport
import XCTest

/// Prompts files: what the writer stores is what the reader returns, fixture.h5 reads as one, and
/// malformed files are rejected with the prompt and task named.
final class PromptsFileTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("vtv-prompts-file")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// Two synthetic prompts on 32x32 canvases (small scenes keep the test fast).
    private func syntheticPrompts(role: String = "train") throws -> (SyntheticPromptSource, [PromptTask]) {
        let source = try SyntheticPromptSource(
            seed: 3, role: role, count: 2, layout: CanvasLayout(size: 32),
            sceneWidth: 40, sceneHeight: 30)
        return (source, [.segmentation, .inpaint, .colorization])
    }

    private func write(_ source: some PromptSource, tasks: [PromptTask], to file: String) throws {
        let writer = try PromptsFileWriter(
            path: file, origin: source.origin, seed: 3, tasks: tasks, layout: source.layout)
        for i in 0..<source.count {
            try writer.write(i, record: try source.prompt(i), canvases: try source.canvases(i, tasks: tasks))
        }
        try writer.commit()
    }

    func testAWrittenFileReadsBackTheSameRecordsCanvasesAndDescription() throws {
        let (source, tasks) = try syntheticPrompts()
        try write(source, tasks: tasks, to: path("p.h5"))
        let file = try PromptsFile(path: path("p.h5"))
        XCTAssertEqual(file.count, 2)
        XCTAssertEqual(file.tasks, tasks)
        XCTAssertEqual(file.layout, CanvasLayout(size: 32))
        XCTAssertEqual(file.origin, "synthetic:3")
        XCTAssertEqual(file.seed, 3)
        for i in 0..<2 {
            XCTAssertEqual(try file.prompt(i), try source.prompt(i))
            let stored = try file.canvases(i, tasks: tasks.reversed())
            let built = try source.canvases(i, tasks: tasks.reversed())
            XCTAssertEqual(stored.map(\.task), tasks.reversed())
            XCTAssertEqual(stored.map(\.values), built.map(\.values), "prompt \(i)")
        }
        XCTAssertEqual(try file.roleCounts(), ["train": 2])
    }

    func testTheFileLayoutHasTheDocumentedAttributesAndDatasets() throws {
        let (source, tasks) = try syntheticPrompts()
        try write(source, tasks: tasks, to: path("p.h5"))
        let h5 = try HDF5File.open(path("p.h5"))
        defer { h5.discard() }
        let root = h5.root
        XCTAssertEqual(try root.attribute("format"), .string("vtv-prompts"))
        XCTAssertEqual(try root.attribute("version"), .int(1))
        XCTAssertEqual(try root.attribute("tasks"), .strings(["segmentation", "inpaint", "colorization"]))
        XCTAssertEqual(try root.attribute("canvas_size"), .int(32))
        XCTAssertEqual(try root.children("prompts"), ["0", "1"])
        XCTAssertEqual(
            try root.attributeNames(of: "prompts/1"), ["class", "inpaint_square_hw", "query", "role", "support"])
        XCTAssertEqual(try root.elementKind(of: "prompts/1/inpaint/canvas"), .float32)
        XCTAssertEqual(try root.shape(of: "prompts/1/inpaint/canvas"), [3, 32, 32])
    }

    func testTheFixtureLoadsAsAPromptsFileWithItsTasksRolesAndSquares() throws {
        // fixture.h5 (written by the published pipeline) has no root attributes and no 'class'.
        let file = try PromptsFile(path: TestPaths.fixtureH5)
        XCTAssertEqual(file.count, 5)
        XCTAssertEqual(file.tasks, PromptTask.base)
        XCTAssertEqual(file.layout, .published)
        XCTAssertEqual(file.records.map(\.role), ["collect", "collect", "collect", "eval", "eval"])
        XCTAssertEqual(
            try file.prompt(0),
            PromptRecord(
                query: "2008_000001", support: "2008_000011", classID: nil,
                square: InpaintSquare(row: 73, col: 4), role: "collect"))
        let canvas = try file.canvas(4, task: .colorization)
        XCTAssertEqual(canvas.values.count, 3 * 224 * 224)
        XCTAssertTrue(canvas.values.allSatisfy { (0...1).contains($0) })
    }

    func testAnUncommittedWriterLeavesNoFileBehind() throws {
        let (source, tasks) = try syntheticPrompts()
        do {
            let writer = try PromptsFileWriter(
                path: path("p.h5"), origin: "x", seed: nil, tasks: tasks, layout: source.layout)
            try writer.write(0, record: try source.prompt(0), canvases: try source.canvases(0, tasks: tasks))
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), [])
    }

    func testAWriterRejectsCanvasesOfOtherTasksAndGapsInTheNumbering() throws {
        let (source, tasks) = try syntheticPrompts()
        let writer = try PromptsFileWriter(
            path: path("p.h5"), origin: "x", seed: nil, tasks: tasks, layout: source.layout)
        XCTAssertThrowsError(
            try writer.write(0, record: try source.prompt(0), canvases: try source.canvases(0, tasks: [.identity])))
        try writer.write(1, record: try source.prompt(1), canvases: try source.canvases(1, tasks: tasks))
        XCTAssertThrowsError(try writer.commit()) { XCTAssertTrue("\($0)".contains("numbered 0...0"), "\($0)") }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path("p.h5")))
    }

    func testAFileWhosePromptLacksAListedTaskIsRejectedNamingPromptAndTask() throws {
        let (source, tasks) = try syntheticPrompts()
        try write(source, tasks: tasks, to: path("p.h5"))
        let h5 = try HDF5File.open(path("p.h5"), writable: true)
        try h5.root.remove("prompts/1/inpaint")
        try h5.commit()
        XCTAssertThrowsError(try PromptsFile(path: path("p.h5"))) {
            XCTAssertEqual($0 as? PromptSourceError, .promptMissingTask(path: path("p.h5"), index: 1, task: "inpaint"))
        }
    }

    func testAskingForATaskTheFileLacksNamesTheTasksItHas() throws {
        let file = try PromptsFile(path: TestPaths.fixtureH5)
        XCTAssertThrowsError(try file.canvas(0, task: .lowlightInpaint)) {
            XCTAssertEqual(
                $0 as? PromptSourceError,
                .missingTask(
                    task: "lowlight_inpaint", source: TestPaths.fixtureH5,
                    available: PromptTask.base.map(\.rawValue)))
        }
    }

    func testAnIndexOutOfRangeIsReportedWithTheValidRange() throws {
        let file = try PromptsFile(path: TestPaths.fixtureH5)
        XCTAssertThrowsError(try file.canvas(5, task: .identity)) {
            XCTAssertEqual("\($0)", "prompt index 5 is out of range: \(TestPaths.fixtureH5) has 5 prompt(s), 0...4")
        }
        XCTAssertThrowsError(try file.prompt(-1))
    }

    func testAnHDF5FileWithoutPromptsIsNotAPromptsFile() throws {
        let h5 = try HDF5File.create(path("other.h5"))
        try h5.root.write("weights/w", [Float(1)], shape: [1])
        try h5.commit()
        XCTAssertThrowsError(try PromptsFile(path: path("other.h5"))) {
            XCTAssertEqual(
                $0 as? FileKindError,
                .notVTV(path: path("other.h5"), expected: .prompts, reason: "it has no /prompts group"))
        }
    }

    func testAPromptWithoutItsImageNamesIsRejected() throws {
        let (source, tasks) = try syntheticPrompts()
        try write(source, tasks: tasks, to: path("p.h5"))
        let h5 = try HDF5File.open(path("p.h5"), writable: true)
        try h5.root.setAttribute("query", .int(3), on: "prompts/0")
        try h5.commit()
        XCTAssertThrowsError(try PromptsFile(path: path("p.h5"))) {
            XCTAssertEqual(
                $0 as? PromptSourceError,
                .malformedPrompt(
                    path: path("p.h5"), index: 0,
                    reason: "attribute 'query' is not a string"))
        }
    }
}
