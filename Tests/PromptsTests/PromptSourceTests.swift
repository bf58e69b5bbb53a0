import Foundation
import Imaging
import Prompts
import TestSupport
import XCTest

/// The prompt source abstraction: `--source` strings, task lists, role selection, and the PASCAL
/// and synthetic sources giving what their underlying generators give.
final class PromptSourceTests: XCTestCase {
    private var vocRoot: String { TestPaths.officialSmall.appendingPathComponent("voc").path }
    private var fold0: String { vocRoot + "/splits/fold0.txt" }

    func testSourceStringsParseIntoPascalAndSyntheticSpecs() throws {
        XCTAssertEqual(
            try PromptSourceSpec(parsing: "pascal:/data/VOC:/data/fold0.txt:0"),
            .pascal(vocRoot: "/data/VOC", splitFile: "/data/fold0.txt", fold: 0))
        XCTAssertEqual(
            try PromptSourceSpec(parsing: "pascal:/data/VOC:/data/val.txt"),
            .pascal(vocRoot: "/data/VOC", splitFile: "/data/val.txt", fold: nil))
        XCTAssertEqual(
            try PromptSourceSpec(parsing: "pascal:/data/VOC::2"),
            .pascal(vocRoot: "/data/VOC", splitFile: "/data/VOC/splits/fold2.txt", fold: 2))
        XCTAssertEqual(try PromptSourceSpec(parsing: "synthetic"), .synthetic(seed: nil))
        XCTAssertEqual(try PromptSourceSpec(parsing: "synthetic:7"), .synthetic(seed: 7))
        XCTAssertEqual(try PromptSourceSpec(parsing: "synthetic:7:random"), .synthetic(seed: 7))
        XCTAssertEqual(
            try PromptSourceSpec(parsing: "synthetic:7:habitats"), .synthetic(seed: 7, backgrounds: .habitats))
        XCTAssertEqual(try PromptSourceSpec(parsing: "pascal:/v:/s.txt:1").description, "pascal:/v:/s.txt:1")
        // The random world keeps the description files had before the habitat world existed.
        XCTAssertEqual(try PromptSourceSpec(parsing: "synthetic:7:random").description, "synthetic:7")
        XCTAssertEqual(try PromptSourceSpec(parsing: "synthetic:7:habitats").description, "synthetic:7:habitats")
        XCTAssertEqual(
            try PromptSourceSpec(parsing: "synthetic:3:habitats").open(role: "eval", count: 1, seed: nil).origin,
            "synthetic:3:habitats")
    }

    func testMalformedSourceStringsAreRejectedWithTheReason() {
        let cases = [
            "pascal:/data/VOC": "pascal needs a VOC folder and a split file",
            "pascal:/v:/s.txt:7": "the fold must be 0, 1, 2 or 3",
            "pascal:/v:": "the split file is empty",
            "synthetic:-3": "the seed must be a non-negative integer",
            "synthetic:1:2": "the backgrounds must be random or habitats, got '2'",
            "synthetic:1:habitats:x": "synthetic takes at most a seed and a background kind",
            "imagenet:/data": "unknown kind 'imagenet'"
        ]
        for (text, reason) in cases {
            XCTAssertThrowsError(try PromptSourceSpec(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains(reason), "\(text): \(error)")
                XCTAssertTrue(
                    "\(error)".contains("expected pascal:VOCDIR:SPLITFILE[:FOLD] or synthetic[:SEED[:BACKGROUNDS]]"))
            }
        }
    }

    func testTaskListsAcceptNamesBaseAndAllAndRejectUnknownNames() throws {
        XCTAssertEqual(try PromptTask.parseList("inpaint, segmentation,inpaint"), [.inpaint, .segmentation])
        XCTAssertEqual(try PromptTask.parseList("base"), PromptTask.base)
        XCTAssertEqual(try PromptTask.parseList("all"), PromptTask.allCases)
        XCTAssertThrowsError(try PromptTask.parseList("segmentation,colourisation")) {
            XCTAssertEqual($0 as? PromptSourceError, .unknownTask("colourisation"))
        }
        XCTAssertThrowsError(try PromptTask.parseList(""))
    }

    func testAPascalSourceGivesPascal5iPromptsAndTheirCanvasesWithItsRole() throws {
        let source = try PromptSourceSpec(parsing: "pascal:\(vocRoot):\(fold0):0").open(
            role: "eval", count: nil, seed: 11)
        let dataset = try Pascal5i(vocRoot: vocRoot, fold: 0)
        XCTAssertEqual(source.count, 12)
        XCTAssertEqual(source.origin, "pascal:\(vocRoot):\(fold0):0")
        for i in [0, 7] {
            let spec = try dataset.prompt(i, seed: 11)
            XCTAssertEqual(try source.prompt(i), PromptRecord(spec, role: "eval"))
            XCTAssertEqual(
                try source.canvases(i, tasks: PromptTask.base).map(\.values),
                try dataset.canvases(spec).map(\.values))
        }
        XCTAssertThrowsError(try source.prompt(12)) {
            XCTAssertEqual($0 as? PromptSourceError, .indexOutOfRange(index: 12, count: 12, source: source.origin))
        }
    }

    func testSyntheticSourcesAreDeterministicBySeedAndRole() throws {
        let layout = CanvasLayout(size: 32)
        func source(_ seed: UInt64, _ role: String) throws -> SyntheticPromptSource {
            try SyntheticPromptSource(seed: seed, role: role, count: 3, layout: layout, sceneWidth: 40, sceneHeight: 30)
        }
        let a = try source(5, "collect"), b = try source(5, "collect"), c = try source(6, "collect")
        XCTAssertEqual(try a.prompt(2), try b.prompt(2))
        XCTAssertEqual(try a.canvas(2, task: .identity).values, try b.canvas(2, task: .identity).values)
        XCTAssertNotEqual(try a.canvas(2, task: .identity).values, try c.canvas(2, task: .identity).values)
    }

    func testSyntheticRolesUseDisjointScenesOfTheSameClasses() throws {
        let collect = try SyntheticPromptSource(seed: 5, role: "collect", count: 40)
        let eval = try SyntheticPromptSource(seed: 5, role: "eval", count: 40)
        XCTAssertEqual(SyntheticPromptSource.firstScene(role: "collect") % (20 << 32), 0)
        XCTAssertGreaterThanOrEqual(abs(collect.firstScene - eval.firstScene), 1 << 32)
        var collectScenes = Set<String>(), evalScenes = Set<String>()
        for i in 0..<40 {
            let p = try collect.prompt(i), q = try eval.prompt(i)
            collectScenes.formUnion([p.query, p.support])
            evalScenes.formUnion([q.query, q.support])
            // Prompt i segments class 1 + i % 20 whatever the role.
            XCTAssertEqual(p.classID, 1 + i % 20)
            XCTAssertEqual(p.classID, q.classID)
            XCTAssertEqual(p.role, "collect")
        }
        XCTAssertTrue(collectScenes.isDisjoint(with: evalScenes))
    }

    func testASyntheticSourceNeedsACountAndRefusesAConflictingSeed() {
        XCTAssertThrowsError(try PromptSourceSpec.synthetic(seed: 1).open(role: "a", count: nil, seed: nil)) {
            XCTAssertEqual($0 as? PromptSourceError, .countRequired(source: "synthetic:1"))
        }
        XCTAssertThrowsError(try PromptSourceSpec.synthetic(seed: 1).open(role: "a", count: 2, seed: 2)) {
            XCTAssertTrue("\($0)".contains("it names seed 1 but --prompt-seed is 2"), "\($0)")
        }
        XCTAssertEqual(
            try PromptSourceSpec.synthetic(seed: nil).open(role: "a", count: 2, seed: 9).origin, "synthetic:9")
    }

    func testASelectionKeepsTheFirstPromptsOfTheRoleAndSaysWhenThereAreTooFew() throws {
        let fixture = try PromptsFile(path: TestPaths.fixtureH5)
        XCTAssertEqual(try PromptSelection(source: fixture, role: "eval", count: nil).indices, [3, 4])
        XCTAssertEqual(try PromptSelection(source: fixture, role: "collect", count: 2).indices, [0, 1])
        XCTAssertEqual(try PromptSelection(source: fixture, role: nil, count: nil).indices, [0, 1, 2, 3, 4])
        XCTAssertThrowsError(try PromptSelection(source: fixture, role: "eval", count: 3)) {
            XCTAssertEqual("\($0)", "\(TestPaths.fixtureH5) has only 2 prompt(s) with role 'eval'; 3 were asked for")
        }
        XCTAssertThrowsError(try PromptSelection(source: fixture, role: "train", count: nil)) {
            XCTAssertEqual(
                "\($0)", "\(TestPaths.fixtureH5) has no prompts with role 'train'; roles present: collect 3, eval 2")
        }
    }

    // MARK: Bad data in a VOC folder

    /// A copy of the fixture's VOC folder that a test may damage.
    private func copyOfVOC() throws -> URL {
        let dir = try TestPaths.temporaryDirectory("vtv-voc")
        addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.copyItem(
            atPath: vocRoot + "/VOCdevkit/VOC2012", toPath: dir.appendingPathComponent("VOC2012").path)
        return dir.appendingPathComponent("VOC2012")
    }

    func testASplitWithASingleImageClassIsRejectedUpFront() throws {
        let voc = try copyOfVOC()
        let split = voc.appendingPathComponent("split.txt").path
        try "2008_000001__1\n2008_000006__1\n2008_000002__2\n".write(toFile: split, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(
            try PromptSourceSpec(parsing: "pascal:\(voc.path):\(split)").open(role: "a", count: nil, seed: nil)
        ) {
            XCTAssertEqual($0 as? PromptSourceError, .singleImageClasses(file: split, images: [2: "2008_000002"]))
        }
    }

    func testAClassAbsentFromALabelIsRejectedNamingTheLabelFile() throws {
        let folder = VOCFolder(root: vocRoot)
        XCTAssertThrowsError(try folder.quadrantImage("2008_000002", classID: 1, side: 111)) {
            XCTAssertEqual(
                $0 as? PromptSourceError,
                .classAbsent(
                    image: "2008_000002", classID: 1,
                    labelFile: folder.labelPath("2008_000002")))
        }
    }

    func testALabelOfTheWrongSizeIsRejectedWithBothSizes() throws {
        let voc = try copyOfVOC()
        let folder = VOCFolder(root: voc.path)
        let image = try ImageFile.read(folder.imagePath("2008_000003"))
        try ImageFile.writePNG(
            Image8(width: image.width + 1, height: image.height, channels: 1, filledWith: 3),
            to: folder.labelPath("2008_000003"))
        XCTAssertThrowsError(try folder.quadrantImage("2008_000003", classID: 3, side: 111)) {
            XCTAssertEqual(
                $0 as? PromptError,
                .labelSizeMismatch(
                    image: folder.labelPath("2008_000003"),
                    imageSize: [image.height, image.width],
                    labelSize: [image.height, image.width + 1]))
        }
    }

    func testANonImageFileIsRejectedNamingIt() throws {
        let voc = try copyOfVOC()
        let folder = VOCFolder(root: voc.path)
        try "not a picture".write(toFile: folder.imagePath("2008_000004"), atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try folder.quadrantImage("2008_000004", classID: 4, side: 111)) {
            XCTAssertEqual($0 as? ImageCodecError, .unknownFormat(file: folder.imagePath("2008_000004")))
        }
    }
}
