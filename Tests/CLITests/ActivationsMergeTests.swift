import Foundation
import Storage
import TestSupport
import XCTest

/// `vtv activations merge` joins collections of disjoint prompts and refuses overlapping ones, with
/// prompts named by what they are made of (docs/formats.md, "Activations file"): two roles of one
/// synthetic seed are different scenes, a prompts file and the source it was exported from are the
/// same prompts. On the tiny model (`model init --config tiny`), two prompts per collection.
final class ActivationsMergeTests: XCTestCase {
    static var directory: URL!

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// The model, and collections of synthetic:7: role collect (c.h5, and c-again.h5), role train
    /// (t.h5), and the prompts file exported from role collect (file.h5, from p.h5).
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("merge")
        func collect(_ selection: [String], to name: String) -> [String] {
            ["collect", "--model", path("m.h5"), "--tasks", "segmentation,inpaint", "--out", path(name)] + selection
        }
        let steps: [[String]] = [
            ["model", "init", "--config", "tiny", "--seed", "1", "--out", path("m.h5")],
            collect(["--source", "synthetic:7", "--role", "collect", "--count", "2"], to: "c.h5"),
            collect(["--source", "synthetic:7", "--role", "collect", "--count", "2"], to: "c-again.h5"),
            collect(["--source", "synthetic:7", "--role", "train", "--count", "2"], to: "t.h5"),
            [
                "prompts", "export", "--source", "synthetic:7", "--role", "collect", "--count", "2",
                "--tasks", "segmentation,inpaint", "--out", path("p.h5")
            ],
            collect(["--prompts", path("p.h5")], to: "file.h5")
        ]
        for step in steps {
            guard let r = try? runCommand(TestPaths.vtv, step), r.status == 0 else {
                setupProblem = "setting up with `vtv \(step.joined(separator: " "))` failed"
                return
            }
        }
    }

    /// Why the shared files could not be made, failing every test.
    static var setupProblem: String?

    override func setUpWithError() throws {
        if let problem = Self.setupProblem { XCTFail(problem) }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    func merge(_ files: [String], to out: String) throws -> CommandResult {
        try runCommand(TestPaths.vtv, ["activations", "merge"] + files.map(Self.path) + ["--out", Self.path(out)])
    }

    func testCollectionsOfTwoRolesOfOneSyntheticSeedMergeIntoTheirCountWeightedUnion() throws {
        let r = try merge(["c.h5", "t.h5"], to: "roles.h5")
        XCTAssertEqual(r.status, 0, r.output)
        let merged = try HDF5File.open(Self.path("roles.h5")).root
        let c = try HDF5File.open(Self.path("c.h5")).root, t = try HDF5File.open(Self.path("t.h5")).root
        for task in ["segmentation", "inpaint"] {
            XCTAssertEqual(try merged.attribute("count", of: "tasks/\(task)"), .int(4))
            guard case let .strings(names) = try merged.attribute("prompts", of: "tasks/\(task)") else {
                return XCTFail("tasks/\(task)@prompts is not a list of names")
            }
            XCTAssertEqual(Set(names).count, 4, "\(names)")
            // Equal counts: the merged mean is the average of the two means (Chan's formula).
            let m = try merged.read("tasks/\(task)/decoder_mean", as: Double.self).values
            let a = try c.read("tasks/\(task)/decoder_mean", as: Double.self).values
            let b = try t.read("tasks/\(task)/decoder_mean", as: Double.self).values
            let worst = zip(m, zip(a, b)).map { abs($0 - ($1.0 + $1.1) / 2) }.max() ?? .infinity
            XCTAssertLessThan(worst, 1e-12, task)
        }
    }

    func testCollectingOneRoleTwiceIsRefusedAsOverlapping() throws {
        let r = try merge(["c.h5", "c-again.h5"], to: "twice.h5")
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("c.h5 and \(Self.path("c-again.h5")) both include 2 of the same"), r.stderr)
        XCTAssertTrue(r.stderr.contains("merging would count them twice"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("twice.h5")))
    }

    func testAPromptsFileOverlapsTheSourceRoleItWasExportedFrom() throws {
        let r = try merge(["c.h5", "file.h5"], to: "same.h5")
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("both include 2 of the same"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("same.h5")))
    }

    func testAPromptsFileMergesWithAnotherRoleOfItsSource() throws {
        let r = try merge(["file.h5", "t.h5"], to: "file-and-train.h5")
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertEqual(
            try HDF5File.open(Self.path("file-and-train.h5")).root.attribute("count", of: "tasks/inpaint"), .int(4))
    }

    /// c.h5 as a vtv before prompts were named by content wrote it: no `prompt_identity`, prompts
    /// named `<origin>#<index>`.
    func writeOlderCopy(of name: String, to older: String) throws {
        let source = try HDF5File.open(Self.path(name)).root
        let copy = try HDF5File.create(Self.path(older))
        for attribute in try source.attributeNames() where attribute != "prompt_identity" {
            try copy.root.setAttribute(attribute, try source.attribute(attribute))
        }
        try copy.root.createGroup("config")
        for attribute in try source.attributeNames(of: "config") {
            try copy.root.setAttribute(attribute, try source.attribute(attribute, of: "config"), on: "config")
        }
        for task in try source.children("tasks") {
            let group = "tasks/\(task)"
            try copy.root.createGroup(group)
            try copy.root.setAttribute("count", try source.attribute("count", of: group), on: group)
            try copy.root.setAttribute("prompts", .strings(["synthetic:7#0", "synthetic:7#1"]), on: group)
            for dataset in ["encoder_mean", "encoder_var", "decoder_mean", "decoder_var"] {
                let values = try source.read("\(group)/\(dataset)", as: Double.self)
                try copy.root.write("\(group)/\(dataset)", values.values, shape: values.shape)
            }
        }
        try copy.commit()
    }

    func testAnActivationsFileWrittenBeforePromptsWereNamedByContentIsStillRead() throws {
        try writeOlderCopy(of: "c.h5", to: "older.h5")
        let r = try runCommand(TestPaths.vtv, ["activations", "info", Self.path("older.h5")])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("synthetic:7#0"), r.output)
    }

    func testAnOlderFileIsNotMergedWithANewOneButCollectedAgain() throws {
        try writeOlderCopy(of: "c.h5", to: "older-2.h5")
        let r = try merge(["older-2.h5", "t.h5"], to: "mixed.h5")
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("older-2.h5 names its prompts as <source>#<index>"), r.stderr)
        XCTAssertTrue(r.stderr.contains("collect \(Self.path("older-2.h5")) again"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.path("mixed.h5")))
    }
}
