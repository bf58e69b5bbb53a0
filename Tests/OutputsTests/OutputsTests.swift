import Foundation
import TestSupport
import XCTest

@testable import Outputs

/// The output-safety layer on its own: path splitting, plans that refuse collisions, staged files
/// published whole, groups published together or not at all, and the names of temporaries.
final class OutputsTests: XCTestCase {
    var folder: String!

    override func setUpWithError() throws {
        folder = try TestPaths.temporaryDirectory("outputs").path
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: folder).sorted() }

    func split(_ path: String) -> [String] { [PathParts(path).folder, PathParts(path).name] }

    func testPathPartsSplitOneCharacterAndRootedNames() {
        XCTAssertEqual(split("a"), [".", "a"])
        XCTAssertEqual(split("-"), [".", "-"])
        XCTAssertEqual(split("/a"), ["/", "a"])
        XCTAssertEqual(split("d/e/f.h5"), ["d/e", "f.h5"])
        XCTAssertEqual(split("d/e/"), ["d", "e"])
        XCTAssertEqual(PathParts("x").sibling(".x.tmp"), "./.x.tmp")
    }

    func testAStagedFileAppearsOnlyWhenPublishedAndReplacesTheOldOneWhole() throws {
        let path = folder + "/f"
        try StagedFile.write(Array("old".utf8), to: path)
        let staged = StagedFile(destination: path)
        try staged.writeContent(Array("new".utf8))
        XCTAssertEqual(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self), "old")
        try staged.publish()
        XCTAssertEqual(String(decoding: FileManager.default.contents(atPath: path)!, as: UTF8.self), "new")
        XCTAssertEqual(try entries(), ["f"])
    }

    func testAGroupWhoseLastWriteFailsPublishesNothing() throws {
        struct Late: Error {}
        XCTAssertThrowsError(
            try Publication.together {
                try StagedFile.write(Array("result".utf8), to: folder + "/r.h5")
                throw Late()
            })
        XCTAssertEqual(try entries(), [], "neither the first output nor a temporary may remain")
        XCTAssertThrowsError(
            try Publication.together {
                try StagedFile.write(Array("result".utf8), to: folder + "/r.h5")
                try StagedFile.write(Array("png".utf8), to: folder + "/missing/r.png")
            })
        XCTAssertEqual(try entries(), [])
        try Publication.together {
            try StagedFile.write(Array("a".utf8), to: folder + "/a")
            try StagedFile.write(Array("b".utf8), to: folder + "/b")
        }
        XCTAssertEqual(try entries(), ["a", "b"])
    }

    func testAPlanRefusesAnOutputThatIsAnInputThroughLinks() throws {
        let input = folder + "/in.h5"
        try Data("x".utf8).write(to: URL(fileURLWithPath: input))
        try FileManager.default.createSymbolicLink(atPath: folder + "/soft.h5", withDestinationPath: "in.h5")
        try FileManager.default.linkItem(atPath: input, toPath: folder + "/hard.h5")
        for output in [input, folder + "/./in.h5", folder + "/soft.h5", folder + "/hard.h5"] {
            var plan = OutputPlan()
            plan.input(input, option: "--activations")
            plan.output(output, option: "--out")
            XCTAssertThrowsError(try plan.check(), output) { error in
                guard case .sameFile = error as? OutputError else { return XCTFail("\(error)") }
            }
        }
        var twoOutputs = OutputPlan()
        twoOutputs.output(folder + "/new.h5", option: "--out")
        twoOutputs.output(folder + "/../\((folder as NSString).lastPathComponent)/new.h5", option: "--plot")
        XCTAssertThrowsError(try twoOutputs.check())
        var fine = OutputPlan()
        fine.input(input, option: "--activations")
        fine.output(folder + "/other.h5", option: "--out")
        XCTAssertNoThrow(try fine.check())
    }

    func testAPlanChecksFoldersBeforeAnyWork() throws {
        var missing = OutputPlan()
        missing.output(folder + "/nowhere/x.h5", option: "--png")
        XCTAssertThrowsError(try missing.check()) { XCTAssertTrue("\($0)".contains("does not exist"), "\($0)") }
        var isFolder = OutputPlan()
        isFolder.output(folder, option: "--out")
        XCTAssertThrowsError(try isFolder.check()) { XCTAssertTrue("\($0)".contains("is a folder"), "\($0)") }
        try Data().write(to: URL(fileURLWithPath: folder + "/file"))
        var fileAsFolder = OutputPlan()
        fileAsFolder.outputFolder(folder + "/file", option: "--out", files: ["report.md"])
        XCTAssertThrowsError(try fileAsFolder.check()) { XCTAssertTrue("\($0)".contains("is a file"), "\($0)") }
        var newFolder = OutputPlan()
        newFolder.outputFolder(folder + "/new/deeper", option: "--out", files: ["report.md"])
        XCTAssertNoThrow(try newFolder.check())
    }

    func testTemporariesNameTheirProcessAndHost() {
        let staged = StagedFile(destination: folder + "/" + String(repeating: "n", count: 250))
        let name = PathParts(staged.temporary).name
        XCTAssertLessThanOrEqual(name.utf8.count, 255)
        let owner = StaleTemporaries.owner(of: name)
        XCTAssertEqual(owner?.pid, getpid())
        XCTAssertEqual(owner?.host, StaleTemporaries.host)
        XCTAssertNil(StaleTemporaries.owner(of: "report.vtvtmp-notes.txt"))
        XCTAssertNil(StaleTemporaries.owner(of: ".x.vtvtmp-12-zz@host"))
    }
}
