import Foundation
import Imaging
import Prompts
import TestSupport
import XCTest

/// `--source pairs:DIR`: a folder of input/output examples becomes prompts of the task `pairs`,
/// canvases built from the pairs' images like every other source's; bad folders are refused with
/// the file named.
final class PairsPromptSourceTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory("vtv-pairs")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: folder)
    }

    /// An image whose pixels depend on `seed`, so that every file differs.
    private func image(width: Int, height: Int, seed: Int) -> Image8 {
        Image8(
            width: width, height: height, channels: 3,
            pixels: (0..<(width * height * 3)).map { UInt8(truncatingIfNeeded: $0 * 7 + seed * 31 + $0 / 5) })
    }

    private func write(_ relative: String, _ image: Image8) throws {
        let url = folder.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try ImageFile.writePNG(image, to: url.path)
    }

    /// Pairs b (20x12), a (9x15) and c (16x16), written out of order.
    private func writeGoodFolder() throws {
        for (name, w, h, seed) in [("b", 20, 12, 1), ("a", 9, 15, 2), ("c", 16, 16, 3)] {
            try write("input/\(name).png", image(width: w, height: h, seed: seed))
            try write("output/\(name).png", image(width: w, height: h, seed: seed + 10))
        }
    }

    func testSpecParsesAFolderThatMayContainColons() throws {
        XCTAssertEqual(try PromptSourceSpec(parsing: "pairs:/data/x-rays"), .pairs(folder: "/data/x-rays"))
        XCTAssertEqual(try PromptSourceSpec(parsing: "pairs:/a:b"), .pairs(folder: "/a:b"))
        XCTAssertEqual(try PromptSourceSpec(parsing: "pairs:/a:b").description, "pairs:/a:b")
        for text in ["pairs", "pairs:"] {
            XCTAssertThrowsError(try PromptSourceSpec(parsing: text)) {
                XCTAssertTrue("\($0)".contains("pairs needs a folder"), "\($0)")
            }
        }
    }

    func testPairsIsATaskOfItsOwnThatAllDoesNotInclude() throws {
        XCTAssertEqual(try PromptTask.parseList("pairs"), [.pairs])
        XCTAssertFalse(try PromptTask.parseList("all").contains(.pairs))
        XCTAssertEqual(PromptTask.every.last, .pairs)
        let synthetic = try PromptSourceSpec(parsing: "synthetic:1").open(role: "collect", count: 2, seed: nil)
        XCTAssertThrowsError(try synthetic.requireTasks([.pairs])) {
            XCTAssertTrue("\($0)".contains("has no canvases for task 'pairs'"), "\($0)")
        }
        XCTAssertThrowsError(try PromptTask.parseList("pair")) { XCTAssertTrue("\($0)".contains("pairs")) }
    }

    func testPromptsTakeEachPairAsQueryWithAnotherAsExample() throws {
        try writeGoodFolder()
        let layout = CanvasLayout(size: 24)
        let source = try PromptSourceSpec(parsing: "pairs:\(folder.path)").open(
            role: "collect", count: nil, seed: 5, layout: layout)
        XCTAssertEqual(source.count, 3)
        XCTAssertEqual(source.tasks, [.pairs])
        XCTAssertEqual(source.origin, "pairs:\(folder.path)")
        let records = try (0..<3).map { try source.prompt($0) }
        XCTAssertEqual(records.map(\.query), ["a", "b", "c"])
        for record in records {
            XCTAssertNotEqual(record.support, record.query)
            XCTAssertEqual(record.role, "collect")
            XCTAssertNil(record.classID)
        }
        XCTAssertEqual(
            try source.identity(of: 0), "pairs:\(folder.path) query=a support=\(records[0].support) square=0,0")
        // The draws are the seed's: another seed reproduces itself and the same seed gives the same prompts.
        let again = try PromptSourceSpec(parsing: "pairs:\(folder.path)").open(
            role: "eval", count: nil, seed: 5, layout: layout)
        XCTAssertEqual(try (0..<3).map { try again.prompt($0).support }, records.map(\.support))

        // The canvas: example input | example output over query input | query output, each image
        // resized as every prompt image is (QuadrantImage: Pillow's bicubic in 8 bits).
        let canvas = try source.canvas(1, task: .pairs)
        XCTAssertEqual(canvas.task, .pairs)
        let q = layout.quadrant, s = layout.secondStart
        func quadrant(_ name: String, _ side: String) throws -> [Float] {
            try QuadrantImage(image: ImageFile.read(folder.appendingPathComponent("\(side)/\(name).png").path), side: q)
                .rgb
        }
        XCTAssertEqual(canvas.quadrant(row: 0, col: 0), try quadrant(records[1].support, "input"))
        XCTAssertEqual(canvas.quadrant(row: 0, col: s), try quadrant(records[1].support, "output"))
        XCTAssertEqual(canvas.quadrant(row: s, col: 0), try quadrant("b", "input"))
        XCTAssertEqual(canvas.quadrant(row: s, col: s), try quadrant("b", "output"))
        XCTAssertThrowsError(try source.canvas(0, task: .identity)) {
            XCTAssertTrue("\($0)".contains("has no canvases for task 'identity'"), "\($0)")
        }
        XCTAssertThrowsError(try source.prompt(3)) { XCTAssertTrue("\($0)".contains("out of range")) }
    }

    func testOtherTasksCannotBeBuiltAsPairs() throws {
        let image = try QuadrantImage(image: image(width: 4, height: 4, seed: 0), side: 11)
        XCTAssertThrowsError(
            try PromptCanvas(task: .pairs, support: image, query: image, layout: CanvasLayout(size: 24))
        ) {
            XCTAssertEqual($0 as? PromptError, .pairsNeedOutputImages)
        }
    }

    /// Opens the folder, expecting an error that contains every one of `phrases`.
    private func assertRefused(_ phrases: [String], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(
            try PromptSourceSpec(parsing: "pairs:\(folder.path)").open(role: "collect", count: nil, seed: nil),
            file: file, line: line
        ) { error in
            for phrase in phrases {
                XCTAssertTrue("\(error)".contains(phrase), "'\(phrase)' not in: \(error)", file: file, line: line)
            }
        }
    }

    func testMissingFoldersAreRefused() throws {
        assertRefused(["\(folder.path)/input' is not a folder", "DIR/input/NAME.png"])
        try write("input/a.png", image(width: 4, height: 4, seed: 0))
        assertRefused(["\(folder.path)/output' is not a folder"])
    }

    func testUnpairedFilesAreListed() throws {
        try writeGoodFolder()
        try write("input/d.png", image(width: 4, height: 4, seed: 0))
        try write("output/e.jpg", image(width: 4, height: 4, seed: 0))
        assertRefused(["2 image(s) have no partner", "inputs without an output: d", "outputs without an input: e"])
    }

    func testNonImagesSubfoldersAndDuplicateNamesAreRefused() throws {
        try writeGoodFolder()
        try Data("notes".utf8).write(to: folder.appendingPathComponent("input/README.txt"))
        assertRefused(["input/README.txt' is not an image name"])
        try FileManager.default.removeItem(at: folder.appendingPathComponent("input/README.txt"))
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("output/more.png"), withIntermediateDirectories: true)
        assertRefused(["output/more.png' is not an image name"])
        try FileManager.default.removeItem(at: folder.appendingPathComponent("output/more.png"))
        try write("output/a.jpeg", image(width: 9, height: 15, seed: 0))
        assertRefused(["several images named 'a'", "output/a.jpeg", "output/a.png"])
        try FileManager.default.removeItem(at: folder.appendingPathComponent("output/a.jpeg"))
        // Hidden files are skipped.
        try Data("x".utf8).write(to: folder.appendingPathComponent("input/.DS_Store"))
        XCTAssertEqual(try ImagePairsFolder(path: folder.path).pairs.map(\.name), ["a", "b", "c"])
    }

    func testUnreadableImagesAndSizeMismatchesAreRefused() throws {
        try writeGoodFolder()
        try Data("not a png at all".utf8).write(to: folder.appendingPathComponent("output/b.png"))
        assertRefused(["cannot read the image '\(folder.path)/output/b.png'", "neither a JPEG nor a PNG"])
        try write("output/b.png", image(width: 12, height: 20, seed: 0))
        assertRefused(["pair 'b'", "is 20x12 but the output", "is 12x20 (width x height)"])
    }

    func testASinglePairIsRefused() throws {
        try write("input/a.png", image(width: 4, height: 4, seed: 0))
        try write("output/a.png", image(width: 4, height: 4, seed: 1))
        assertRefused(["holds 1 pair(s); at least 2 are needed"])
    }
}
