import Foundation
import Storage
import TestSupport
import XCTest

/// A file handed to an option that takes another kind is refused with exit status 1 and a message
/// that names the file, says what kind it is and what kind was expected, and gives advice that fits;
/// never HDF5's "no object '/...'" nor Foundation's own text. The kinds are those of docs/formats.md.
final class FileKindMessagesTests: XCTestCase {
    static var directory: URL!

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// One file of every kind, made once on the tiny model: model (m.h5, and m2.h5 another model),
    /// prompts (p.h5: two synthetic prompts), activations (a.h5; a-copy.h5; a2.h5 of m2.h5), scores
    /// (s.h5), task vectors (tv.h5) and a search checkpoint (ck.h5), plus a text file.
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("file-kinds")
        let steps: [[String]] = [
            ["model", "init", "--config", "tiny", "--seed", "1", "--out", path("m.h5")],
            ["model", "init", "--config", "tiny", "--seed", "2", "--out", path("m2.h5")],
            [
                "prompts", "export", "--source", "synthetic:7", "--role", "collect", "--count", "2",
                "--tasks", "segmentation,inpaint", "--out", path("p.h5")
            ],
            [
                "collect", "--model", path("m.h5"), "--prompts", path("p.h5"), "--tasks", "segmentation,inpaint",
                "--out", path("a.h5")
            ],
            [
                "collect", "--model", path("m.h5"), "--prompts", path("p.h5"), "--tasks", "segmentation,inpaint",
                "--out", path("a-copy.h5")
            ],
            [
                "collect", "--model", path("m2.h5"), "--prompts", path("p.h5"), "--tasks", "segmentation,inpaint",
                "--out", path("a2.h5")
            ],
            ["score", "--activations", path("a.h5"), "--out", path("s.h5")],
            [
                "taskvectors", "make", "--model", path("m.h5"), "--activations", path("a.h5"), "--task", "segmentation",
                "--variables", "0,5", "--out", path("tv.h5")
            ],
            [
                "search", "--model", path("m.h5"), "--activations", path("a.h5"), "--task", "segmentation", "--prompts",
                path("p.h5"),
                "--train-prompts", "1", "--eval-prompts", "1", "--iterations", "1", "--samples", "2", "--eval-every",
                "1",
                "--out", path("sv.h5"), "--checkpoint", path("ck.h5")
            ]
        ]
        for step in steps {
            guard let r = try? runCommand(TestPaths.vtv, step), r.status == 0 else {
                setupProblem = "setting up with `vtv \(step.joined(separator: " "))` failed"
                return
            }
        }
        try? Data("a list of things\n".utf8).write(to: directory.appendingPathComponent("notes.txt"))
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

    /// Runs vtv and expects exit status 1, every one of `message` on stderr, none of the raw texts of
    /// HDF5 or Foundation, and nothing at `out`.
    func assertRefused(
        _ arguments: [String], out: String? = nil, message: String...,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let r = try runCommand(TestPaths.vtv, arguments)
        XCTAssertEqual(r.status, 1, r.output, file: file, line: line)
        for text in message {
            XCTAssertTrue(r.stderr.contains(text), "expected '\(text)' in: \(r.stderr)", file: file, line: line)
        }
        for raw in ["no object '/", "NSCocoaErrorDomain", "couldn’t", "couldn't"] {
            XCTAssertFalse(r.stderr.contains(raw), "'\(raw)' in: \(r.stderr)", file: file, line: line)
        }
        if let out {
            XCTAssertFalse(FileManager.default.fileExists(atPath: out), "\(out) was written", file: file, line: line)
        }
    }

    /// Inference of prompt 0 into r.h5 (one-shot unless `extra` says), with `model` and `prompts` in
    /// place of m.h5 and p.h5.
    func infer(model: String? = nil, prompts: String? = nil, _ extra: [String] = []) -> [String] {
        [
            "infer", "--model", model ?? Self.path("m.h5"), "--prompts", prompts ?? Self.path("p.h5"), "--index", "0",
            "--task", "segmentation", "--out", Self.path("r.h5")
        ] + extra
    }

    // MARK: - Versions

    /// A copy of the shared file `name` with its root `version` set to `version` (added to a model
    /// file, which has none), re-sealed so that its checksums pass as those of a newer vtv's file.
    func newer(_ name: String, version: Int) throws -> String {
        let copy = Self.path("newer-\(name)")
        try? FileManager.default.removeItem(atPath: copy)
        try FileManager.default.copyItem(atPath: Self.path(name), toPath: copy)
        let h5 = try HDF5File.open(copy, writable: true)
        try h5.root.setAttribute("version", .int(version))
        try h5.commit()
        return copy
    }

    func testFilesFromANewerVtvAreRefusedNamingTheFileItsKindAndTheVersions() throws {
        let model = try newer("m.h5", version: 2)
        try assertRefused(
            ["model", "info", model],
            message: "\(model) was written by a newer vtv (model file version 2; this vtv reads up to 1)")
        let prompts = try newer("p.h5", version: 3)
        try assertRefused(
            infer(prompts: prompts), out: Self.path("r.h5"),
            message: "\(prompts) was written by a newer vtv (prompts file version 3; this vtv reads up to 1)")
        let activations = try newer("a.h5", version: 2)
        try assertRefused(
            ["score", "--activations", activations, "--out", Self.path("s-newer.h5")], out: Self.path("s-newer.h5"),
            message: "\(activations) was written by a newer vtv (activations file version 2; this vtv reads up to 1)")
    }

    func testFilesOfTheCurrentVersionStillRead() throws {
        let prompts = try newer("p.h5", version: 1)
        let r = try runCommand(TestPaths.vtv, ["prompts", "info", prompts])
        XCTAssertEqual(r.status, 0, r.output)
    }

    // MARK: - --model

    func testAPromptsFileGivenAsTheModelIsNamedAsAPromptsFile() throws {
        try assertRefused(
            infer(model: Self.path("p.h5")), out: Self.path("r.h5"),
            message: "p.h5 is a vtv prompts file, not a model file", "vtv model convert or vtv model init")
    }

    func testAnActivationsFileGivenAsTheModelIsNamedAsAnActivationsFile() throws {
        try assertRefused(
            ["collect", "--model", Self.path("a.h5"), "--prompts", Self.path("p.h5"), "--out", Self.path("c.h5")],
            out: Self.path("c.h5"), message: "a.h5 is a vtv activations file, not a model file")
    }

    func testATaskVectorsFileGivenToModelInfoIsNamedAsATaskVectorsFile() throws {
        try assertRefused(
            ["model", "info", Self.path("tv.h5")], message: "tv.h5 is a vtv task-vectors file, not a model file")
    }

    func testATextFileGivenAsTheModelIsNamedAsTextNotHDF5() throws {
        try assertRefused(
            infer(model: Self.path("notes.txt")), out: Self.path("r.h5"),
            message: "notes.txt is not a vtv model file: it is a text file, not HDF5")
    }

    func testAZipArchiveGivenAsTheModelIsTakenForAPyTorchCheckpointToConvert() throws {
        let zip = Self.path("mae.pth")
        try Data([0x50, 0x4B, 0x03, 0x04, 0, 0, 0, 0]).write(to: URL(fileURLWithPath: zip))
        try assertRefused(
            infer(model: zip), out: Self.path("r.h5"),
            message: "mae.pth is not a vtv model file: it is a zip archive (a PyTorch checkpoint?)",
            "vtv model convert --mae")
    }

    func testAFolderGivenAsTheModelIsNamedAsAFolder() throws {
        try assertRefused(
            infer(model: Self.directory.path), out: Self.path("r.h5"),
            message: "cannot read the model file \(Self.directory.path): it is a folder")
    }

    func testAnHDF5FileWithConfigButNoWeightsIsNotTakenForADamagedObject() throws {
        let h5 = try HDF5File.create(Self.path("config-only.h5"))
        try h5.root.createGroup("config")
        try h5.root.setAttribute("image_size", .int(224), on: "config")
        try h5.commit()
        try assertRefused(
            infer(model: Self.path("config-only.h5")), out: Self.path("r.h5"),
            message: "config-only.h5 is an HDF5 file but not a vtv model file: it has no /weights group")
    }

    // MARK: - --prompts

    func testAModelFileGivenAsThePromptsIsNamedAsAModelFile() throws {
        try assertRefused(
            ["collect", "--model", Self.path("m.h5"), "--prompts", Self.path("m2.h5"), "--out", Self.path("c.h5")],
            out: Self.path("c.h5"), message: "m2.h5 is a vtv model file, not a prompts file",
            "vtv prompts export or vtv prompts build")
    }

    func testAnActivationsFileGivenAsThePromptsIsNamedAsAnActivationsFile() throws {
        try assertRefused(
            infer(prompts: Self.path("a.h5")), out: Self.path("r.h5"),
            message: "a.h5 is a vtv activations file, not a prompts file")
    }

    // MARK: - --activations

    func testAModelFileGivenAsTheActivationsIsNamedAsAModelFile() throws {
        try assertRefused(
            ["score", "--activations", Self.path("m2.h5"), "--out", Self.path("s-new.h5")], out: Self.path("s-new.h5"),
            message: "m2.h5 is a vtv model file, not an activations file", "vtv collect")
    }

    func testAPromptsFileGivenToActivationsMergeIsNamedAsAPromptsFile() throws {
        try assertRefused(
            ["activations", "merge", Self.path("a.h5"), Self.path("p.h5"), "--out", Self.path("merged.h5")],
            out: Self.path("merged.h5"), message: "p.h5 is a vtv prompts file, not an activations file")
    }

    func testAnActivationsFileLackingItsTasksIsReportedAsDamaged() throws {
        let h5 = try HDF5File.create(Self.path("a-empty.h5"))
        try h5.root.setAttribute("format", .string("vtv-activations"))
        try h5.root.setAttribute("model_hash", .string("0000000000000000"))
        let model = try HDF5File.open(Self.path("m.h5")).root
        try h5.root.createGroup("config")
        for name in try model.attributeNames(of: "config") {
            try h5.root.setAttribute(name, try model.attribute(name, of: "config"), on: "config")
        }
        try h5.commit()
        try assertRefused(
            ["activations", "info", Self.path("a-empty.h5")],
            message: "a-empty.h5 is a vtv activations file but it is damaged or incomplete: it lacks /tasks")
    }

    // MARK: - --taskvectors and --scores

    func testAScoresFileGivenAsTheTaskVectorsIsNamedAsAScoresFile() throws {
        try assertRefused(
            [
                "predict", "--model", Self.path("m.h5"), "--taskvectors", Self.path("s.h5"), "--image",
                Self.path("notes.txt"),
                "--out", Self.path("o.png")
            ],
            out: Self.path("o.png"), message: "s.h5 is a vtv scores file, not a task-vectors file",
            "vtv search or vtv taskvectors make")
    }

    func testASearchCheckpointGivenAsTheTaskVectorsIsNamedAsACheckpoint() throws {
        try assertRefused(
            infer(["--mode", "patched", "--taskvectors", Self.path("ck.h5")]), out: Self.path("r.h5"),
            message: "ck.h5 is a vtv search checkpoint, not a task-vectors file")
    }

    func testATaskVectorsFileGivenAsTheScoresIsNamedAsATaskVectorsFile() throws {
        try assertRefused(
            [
                "taskvectors", "make", "--model", Self.path("m.h5"), "--activations", Self.path("a.h5"), "--task",
                "segmentation",
                "--top-k", "2", "--scores", Self.path("tv.h5"), "--out", Self.path("tv-new.h5")
            ],
            out: Self.path("tv-new.h5"), message: "tv.h5 is a vtv task-vectors file, not a scores file", "vtv score")
    }

    // MARK: - search --resume

    func search(model: String, activations: String, checkpoint: String) -> [String] {
        [
            "search", "--model", model, "--activations", activations, "--task", "segmentation", "--prompts",
            Self.path("p.h5"),
            "--train-prompts", "1", "--eval-prompts", "1", "--iterations", "2", "--samples", "2", "--eval-every", "1",
            "--out", Self.path("sv-new.h5"), "--checkpoint", checkpoint, "--resume"
        ]
    }

    func testAnActivationsFileGivenAsTheCheckpointIsNamedAsAnActivationsFile() throws {
        try assertRefused(
            search(model: Self.path("m.h5"), activations: Self.path("a.h5"), checkpoint: Self.path("a-copy.h5")),
            out: Self.path("sv-new.h5"), message: "a-copy.h5 is a vtv activations file, not a search checkpoint")
    }

    func testACheckpointOfAnotherModelAdvisesResumingWithThatModelNotCollectingAgain() throws {
        let r = try runCommand(
            TestPaths.vtv,
            search(model: Self.path("m2.h5"), activations: Self.path("a2.h5"), checkpoint: Self.path("ck.h5")))
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("ck.h5 (model "), r.stderr)
        XCTAssertTrue(r.stderr.contains("was made with another model"), r.stderr)
        XCTAssertTrue(r.stderr.contains("resume with the model the search began with"), r.stderr)
        XCTAssertFalse(r.stderr.contains("collect"), r.stderr)
    }
}
