import Foundation
import TestSupport
import XCTest

/// No command loses a user's file (issue #25): an output folder only gains vtv's own files, an
/// output that is an input (by any name: the same path, a symbolic link, a hard link) is refused
/// before any work, outputs of one command are published together or not at all, odd but valid
/// names work, and a failed or stopped write leaves no temporary behind.
final class OutputSafetyTests: XCTestCase {
    static var directory: URL!
    static let fixture = TestPaths.fixtureH5

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
    func path(_ name: String) -> String { Self.path(name) }

    /// Inputs made once from the official fixture (model and prompts): activations of two tasks
    /// over two prompts, and granularity-1 task vectors of segmentation.
    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("output-safety")
        for step in [
            [
                "collect", "--model", fixture, "--prompts", fixture, "--count", "2", "--tasks", "segmentation,inpaint",
                "--out", path("a.h5")
            ],
            [
                "taskvectors", "make", "--model", fixture, "--activations", path("a.h5"), "--task", "segmentation",
                "--variables", "1,30", "--out", path("tv.h5")
            ]
        ] {
            let r = try! runCommand(TestPaths.vtv, step)
            precondition(r.status == 0, r.output)
        }
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    /// Hidden temporaries (`.NAME.vtvtmp-...`) left in `folder`.
    func temporaries(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter {
            $0.contains(".vtvtmp-") || $0.contains(".tmp-")
        }
    }

    func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    func vtv(_ arguments: [String], in folder: String? = nil) throws -> CommandResult {
        try runCommand(TestPaths.vtv, arguments, currentDirectory: folder.map { URL(fileURLWithPath: $0) })
    }

    // MARK: An output folder only gains vtv's files

    func testEvalIntoTheFolderHoldingItsInputsKeepsEverythingElseThere() throws {
        let folder = path("eval-here")
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path("tv.h5"), toPath: folder + "/keep.h5")
        try Data("mine".utf8).write(to: URL(fileURLWithPath: folder + "/sub/notes.txt"))
        let r = try vtv(
            [
                "eval", "--model", Self.fixture, "--prompts", Self.fixture, "--count", "2", "--grid", "1",
                "--taskvectors", "keep.h5", "--out", "."
            ], in: folder)
        XCTAssertEqual(r.status, 0, r.output)
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: folder))
        XCTAssertEqual(names, ["keep.h5", "sub", "report.json", "report.md", "grid.png"])
        XCTAssertEqual(bytes(folder + "/keep.h5"), bytes(path("tv.h5")))
        XCTAssertEqual(bytes(folder + "/sub/notes.txt"), Data("mine".utf8))
    }

    func testEvalRefusesAReportFileThatIsItsInput() throws {
        let folder = path("eval-clash")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: path("tv.h5"), toPath: folder + "/report.json")
        let r = try vtv(
            [
                "eval", "--model", Self.fixture, "--prompts", Self.fixture, "--count", "2",
                "--taskvectors", "report.json", "--out", "."
            ], in: folder)
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("report.json") && r.stderr.contains("same file"), r.stderr)
        XCTAssertEqual(bytes(folder + "/report.json"), bytes(path("tv.h5")))
    }

    // MARK: An output is never an input

    func testEveryCommandRefusesAnOutputThatIsOneOfItsInputsByAnyName() throws {
        let folder = path("same-file")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let fm = FileManager.default
        try fm.copyItem(atPath: path("a.h5"), toPath: folder + "/A.h5")
        try fm.copyItem(atPath: path("tv.h5"), toPath: folder + "/TV.h5")
        try fm.copyItem(atPath: Self.fixture, toPath: folder + "/M.h5")
        try fm.createSymbolicLink(atPath: folder + "/A-link.h5", withDestinationPath: "A.h5")
        try fm.linkItem(atPath: folder + "/A.h5", toPath: folder + "/A-hard.h5")
        try fm.linkItem(atPath: folder + "/M.h5", toPath: folder + "/M-hard.h5")
        let cases: [[String]] = [
            ["score", "--activations", "A.h5", "--out", "A.h5"],
            ["score", "--activations", "A.h5", "--out", "./A-link.h5"],
            ["score", "--activations", "A.h5", "--out", "A-hard.h5"],
            ["score", "--activations", "A.h5", "--out", "S.h5", "--plot", "A-link.h5"],
            ["score", "--activations", "A.h5", "--out", "S.h5", "--plot", "S.h5"],
            [
                "infer", "--model", "M.h5", "--prompts", "M.h5", "--index", "0", "--task", "segmentation", "--out",
                "M-hard.h5"
            ],
            [
                "infer", "--model", "M.h5", "--prompts", "M.h5", "--index", "0", "--task", "segmentation", "--out",
                "r.h5",
                "--png", "r.h5"
            ],
            ["collect", "--model", "M.h5", "--prompts", "M.h5", "--count", "1", "--out", "M.h5"],
            ["predict", "--model", "M.h5", "--taskvectors", "TV.h5", "--image", "TV.h5", "--out", "TV.h5"],
            [
                "taskvectors", "make", "--model", "M.h5", "--activations", "A.h5", "--task", "segmentation",
                "--variables", "1", "--out", "A-link.h5"
            ],
            ["activations", "merge", "A.h5", "TV.h5", "--out", "TV.h5"],
            [
                "search", "--model", "M.h5", "--activations", "A.h5", "--prompts", "M.h5", "--task", "segmentation",
                "--out", "X.h5", "--checkpoint", "X.h5"
            ],
            [
                "search", "--model", "M.h5", "--activations", "A.h5", "--prompts", "M.h5", "--task", "segmentation",
                "--out", "Y.h5", "--checkpoint", "A.h5"
            ],
            ["eval", "--model", "M.h5", "--prompts", "M.h5", "--taskvectors", "TV.h5", "--out", "M.h5"]
        ]
        let before = try fm.contentsOfDirectory(atPath: folder).sorted()
        let sums = before.map { bytes(folder + "/" + $0) }
        for arguments in cases {
            let r = try vtv(arguments, in: folder)
            XCTAssertNotEqual(r.status, 0, "vtv \(arguments.joined(separator: " ")) was not refused")
            XCTAssertTrue(
                r.stderr.contains("same file") || r.stderr.contains("is a file"),
                "vtv \(arguments.joined(separator: " ")): \(r.stderr)")
        }
        XCTAssertEqual(try fm.contentsOfDirectory(atPath: folder).sorted(), before, "a refused command left a file")
        XCTAssertEqual(before.map { bytes(folder + "/" + $0) }, sums, "a refused command changed a file")
    }

    // MARK: Published together, checked before the work

    func testInferWithAnUnwritablePNGPublishesNothingAndFailsBeforeTheForwardPass() throws {
        let result = path("infer-r.h5")
        let r = try vtv([
            "infer", "--model", Self.fixture, "--prompts", Self.fixture, "--index", "0", "--task", "segmentation",
            "--out", result, "--png", path("missing/r.png")
        ])
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(r.stderr.contains("--png") && r.stderr.contains("does not exist"), r.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: result))
    }

    // MARK: Names

    func testOneCharacterOutputNamesAreWritten() throws {
        let folder = path("short-names")
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for name in ["a", "-", "b."] {
            let r = try vtv(["score", "--activations", path("a.h5"), "--out", name], in: folder)
            XCTAssertEqual(r.status, 0, "--out \(name): \(r.output)")
            XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/" + name), name)
        }
        XCTAssertEqual(try temporaries(in: folder), [])
    }

    // MARK: Signals and crashes leave no temporaries

    /// A long `prompts export` into `folder`, returned once its temporary is there.
    func exportWritingInto(_ folder: String) throws -> Process {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: TestPaths.vtv)
        process.arguments = [
            "prompts", "export", "--source", "synthetic:0", "--role", "collect", "--count", "400",
            "--out", folder + "/p.h5"
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(30)
        while try temporaries(in: folder).isEmpty && Date() < deadline && process.isRunning { usleep(20_000) }
        XCTAssertFalse(try temporaries(in: folder).isEmpty, "the export never started writing")
        return process
    }

    func testSIGTERMDuringPromptsExportLeavesNoTemporary() throws {
        let folder = path("sigterm")
        let process = try exportWritingInto(folder)
        process.terminate()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationReason, .uncaughtSignal)
        XCTAssertEqual(try temporaries(in: folder), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder + "/p.h5"))
    }

    func testTemporariesOfAKilledProcessAreRemovedByTheNextWriteThere() throws {
        let folder = path("sigkill")
        let process = try exportWritingInto(folder)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let left = try temporaries(in: folder)
        XCTAssertEqual(left.count, 1, "SIGKILL should leave the temporary that the next run removes")
        // A temporary of a live process on another host (a shared filesystem) must stay.
        let foreign = ".q.h5.vtvtmp-1-abc@some-other-node"
        try Data().write(to: URL(fileURLWithPath: folder + "/" + foreign))
        let r = try vtv(["score", "--activations", path("a.h5"), "--out", folder + "/s.h5"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stderr.contains("removed") && r.stderr.contains(left[0]), r.stderr)
        XCTAssertEqual(try temporaries(in: folder), [foreign])
    }

    // MARK: A full disk

    struct MissingPrivilege: Error, CustomStringConvertible {
        var description: String {
            "the full-disk tests need root and unshare(1) to mount a small tmpfs in a private namespace"
        }
    }

    /// Runs `script` in a private mount namespace, in a tmpfs of `kilobytes` at /tmp/vtv-full-disk.
    /// Throws (a failure, never a skip) where the machine cannot do that.
    func onFullDisk(kilobytes: Int, _ script: String) throws -> CommandResult {
        guard let unshare = which("unshare"), getuid() == 0 else { throw MissingPrivilege() }
        let mount = "/tmp/vtv-full-disk"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        return try runCommand(
            unshare,
            [
                "-m", "sh", "-c",
                "mount -t tmpfs -o size=\(kilobytes)k tmpfs \(mount) && cd \(mount) && \(script)"
            ])
    }

    func testAFullDiskGivesOneClearErrorAndKeepsThePreviousFile() throws {
        let v = TestPaths.vtv, a = path("a.h5"), fixture = Self.fixture
        let commands = [
            "\(v) score --activations \(a) --out S.h5",
            "\(v) taskvectors make --model \(fixture) --activations \(a) --task segmentation --variables 1,2 --out S.h5",
            "\(v) prompts export --source synthetic:0 --role eval --count 3 --out S.h5",
            "\(v) collect --model \(fixture) --prompts \(fixture) --count 1 --out S.h5",
            // The search's checkpoint rewrite, after its first iteration.
            "\(v) search --model \(fixture) --activations \(a) --prompts \(fixture) --task segmentation --reward tokens "
                + "--iterations 2 --samples 2 --train-prompts 2 --eval-prompts 1 --checkpoint-every 1 --out T.h5 --checkpoint S.h5"
        ]
        for command in commands {
            // A previous file, then a filler that takes every block left: the new file cannot be written.
            let r = try onFullDisk(
                kilobytes: 256,
                """
                before=$(mktemp); head -c 100000 /dev/urandom > S.h5; cp S.h5 "$before"; \
                head -c 1000000 /dev/zero > fill 2>/dev/null; \
                \(command); echo "status=$?"; ls -a; cmp -s S.h5 "$before" && echo intact; rm -f "$before"
                """)
            XCTAssertTrue(r.stdout.contains("status=1"), "\(command): \(r.output)")
            XCTAssertTrue(r.stdout.contains("intact"), "\(command): the previous file changed: \(r.output)")
            XCTAssertFalse(r.stdout.contains(".vtvtmp-"), "\(command): a temporary is left: \(r.output)")
            XCTAssertTrue(r.stderr.lowercased().contains("no space left"), "\(command): \(r.stderr)")
            XCTAssertFalse(
                r.stderr.contains("Fatal") || r.stderr.contains("crash") || r.stderr.contains("Segmentation"),
                "\(command): \(r.stderr)")
            XCTAssertEqual(r.stderr.components(separatedBy: "vtv: ").count - 1, 1, "one message: \(r.stderr)")
        }
    }
}
