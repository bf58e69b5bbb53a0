import Foundation
import Storage
import TestSupport
import XCTest

/// `vtv protocol`: the paper's whole study (4 folds: curated task means, one search per task,
/// evaluation; one pooled table) on the embedded vtv-small model with the synthetic folds, under
/// real mpirun with 2 ranks at tiny sizes; resumed after parts of it are lost (on one rank, which
/// must give the same table); and the PASCAL path on the fixture's VOC-layout folder.
final class ProtocolCommandTests: XCTestCase {
    static var directory: URL!
    static var study: String { directory.appendingPathComponent("study").path }
    static var run: CommandResult!

    static let tasks = ["segmentation", "inpaint"]
    /// Tiny sizes: the best of 2 pool prompts as each task mean, 2 episodes per fold, searches of 1
    /// iteration x 2 masks on 1 training and 1 held-out prompt (a fixed batch: results identical on
    /// any number of ranks).
    static let sizes = [
        "--tasks", tasks.joined(separator: ","), "--pool", "2", "--select-best", "1", "--episodes", "2",
        "--iterations", "1", "--samples", "2", "--train-prompts", "1", "--eval-prompts", "1",
        "--eval-every", "1", "--search-batch", "2", "--checkpoint-every", "1", "--batch", "4", "--grid", "1"
    ]

    static func arguments(_ out: String, _ extra: [String] = []) -> [String] {
        ["protocol", "--source", "synthetic:5"] + sizes + extra + ["--out", out]
    }

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("protocol")
        run = try! runMPI(ranks: 2, TestPaths.vtv, arguments(study))
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as! [String: Any]
    }

    /// task -> condition -> (pooled mean, pooled count, each fold's mean).
    func table(_ folder: String) throws -> [String: [String: [Double]]] {
        var table: [String: [String: [Double]]] = [:]
        for task in try json(folder + "/protocol.json")["tasks"] as! [[String: Any]] {
            for condition in task["conditions"] as! [[String: Any]] {
                let pooled = condition["pooled"] as! [String: Any]
                let folds = (condition["folds"] as! [[String: Any]]).map {
                    ($0["summary"] as! [String: Any])["mean"] as! Double
                }
                table[task["task"] as! String, default: [:]][condition["mode"] as! String] =
                    [pooled["mean"] as! Double, Double(pooled["count"] as! Int)] + folds
            }
        }
        return table
    }

    func testTheWholeProtocolRunsOnTwoRanksAndPoolsEveryFold() throws {
        let r = Self.run!
        XCTAssertEqual(r.status, 0, r.output)
        let table = try table(Self.study)
        XCTAssertEqual(Set(table.keys), Set(Self.tasks))
        for task in Self.tasks {
            XCTAssertEqual(Set(table[task]!.keys), ["one_shot", "zero_shot", "zero_shot_task_vectors"])
            for (_, values) in table[task]! {
                // 4 folds x 2 episodes pooled; the pooled mean is the mean of the folds' (equal-sized) means.
                XCTAssertEqual(values[1], 8)
                XCTAssertEqual(values.count, 2 + 4)
                XCTAssertEqual(values[0], values[2...].reduce(0, +) / 4, accuracy: 1e-12)
            }
        }
        let markdown = try String(contentsOfFile: Self.study + "/protocol.md", encoding: .utf8)
        XCTAssertTrue(markdown.contains("| condition | segmentation (mIoU ↑) | inpaint (MSE ↓) |"), markdown)
        for row in ["| one-shot |", "| zero-shot |", "| zero-shot + TV |", "| recovered by TV |"] {
            XCTAssertTrue(markdown.contains(row), row)
        }
        let png = try Data(contentsOf: URL(fileURLWithPath: Self.study + "/protocol.png"))
        XCTAssertEqual(Array(png.prefix(4)), [0x89, 0x50, 0x4E, 0x47])
        // Rank 0 speaks: one table on stdout, each step announced once.
        XCTAssertEqual(r.stdout.components(separatedBy: "wrote ").count - 1, 1, r.stdout)
        XCTAssertEqual(
            r.stdout.components(separatedBy: "protocol: fold 2, step 8 of 12: 2 searches").count - 1, 1, r.stdout)
    }

    func testEachFoldIsEvaluatedOnItsClassesWithMeansAndVectorsFromTheOthers() throws {
        XCTAssertEqual(Self.run.status, 0, Self.run.output)
        for fold in 0..<4 {
            let others = (0..<4).filter { $0 != fold }.map(String.init).joined(separator: ",")
            let folder = Self.study + "/fold\(fold)"
            let report = try json(folder + "/eval/report.json")
            XCTAssertEqual((report["prompts"] as! [String: Any])["origin"] as? String, "synthetic:5:folds=\(fold)")
            let root = try HDF5File.open(folder + "/activations.h5").root
            for task in Self.tasks {
                XCTAssertEqual(
                    try root.attribute("pool_source", of: "tasks/\(task)/selection"),
                    .string("synthetic:5:folds=\(others)"))
                XCTAssertEqual(try root.attribute("requested", of: "tasks/\(task)/selection"), .int(1))
                XCTAssertTrue(FileManager.default.fileExists(atPath: folder + "/search/\(task)-seed0-g1-pixel.h5"))
                let vectors =
                    ((report["tasks"] as! [[String: Any]]).first { $0["task"] as? String == task }!["task_vectors"])
                    as! [String: Any]
                XCTAssertEqual(vectors["file"] as? String, folder + "/search/\(task)-seed0-g1-pixel.h5")
                XCTAssertEqual((vectors["final_selection"] as? [String: Any])?["rule"] as? String, "sample")
            }
            let sweep = try json(folder + "/search/sweep.json")
            XCTAssertEqual(
                (sweep["runs"] as! [[String: Any]]).map { $0["status"] as! String }, ["finished", "finished"])
        }
    }

    func testAResumedStudyRedoesOnlyWhatIsMissingAndGivesTheSameTableOnOneRank() throws {
        XCTAssertEqual(Self.run.status, 0, Self.run.output)
        let copy = Self.directory.appendingPathComponent("resumed").path
        try FileManager.default.copyItem(atPath: Self.study, toPath: copy)
        let fm = FileManager.default
        // Lost: fold 1's evaluation, fold 2's in-painting results (its checkpoint kept), fold 3's task
        // means, and the table.
        try fm.removeItem(atPath: copy + "/fold1/eval")
        try fm.removeItem(atPath: copy + "/fold2/search/inpaint-seed0-g1-pixel.h5")
        try fm.removeItem(atPath: copy + "/fold2/search/inpaint-seed0-g1-pixel.json")
        try fm.removeItem(atPath: copy + "/fold3/activations.h5")
        try fm.removeItem(atPath: copy + "/protocol.json")
        let r = try runCommand(TestPaths.vtv, Self.arguments(copy, ["--resume"]), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        for skipped in [
            "fold 0, step 1 of 12: task means already", "fold 0, step 3 of 12: evaluation already",
            "fold 1, step 4 of 12: task means already", "fold 2, step 9 of 12: evaluation already",
            "fold 3, step 12 of 12: evaluation already"
        ] {
            XCTAssertTrue(r.stdout.contains(skipped), skipped + "\n" + r.stdout)
        }
        for redone in [
            "fold 1, step 6 of 12: evaluation on 2 episodes", "fold 3, step 10 of 12: task means over the best 1 of 2"
        ] {
            XCTAssertTrue(r.stdout.contains(redone), redone + "\n" + r.stdout)
        }
        let sweep = try json(copy + "/fold2/search/sweep.json")
        XCTAssertEqual((sweep["runs"] as! [[String: Any]]).map { $0["status"] as! String }, ["skipped", "finished"])
        XCTAssertEqual(try table(copy), try table(Self.study))
    }

    func testResumingAnotherStudysFilesIsRefusedNamingTheFile() throws {
        XCTAssertEqual(Self.run.status, 0, Self.run.output)
        let r = try runCommand(
            TestPaths.vtv, Self.arguments(Self.study, ["--resume", "--select-best", "2"]),
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 1, r.output)
        XCTAssertTrue(
            r.stderr.contains(
                "--resume: \(Self.study)/fold0/activations.h5 is not this study's: its 'segmentation' "
                    + "means are the best 1 of 2 prompts"), r.stderr)
    }

    func testBadOptionsAreUsageErrors() throws {
        let cases: [([String], String)] = [
            (["--source", "pascal:"], "the protocol takes pascal:VOCDIR"),
            (["--source", "synthetic:1:folds=0"], "leave folds= out"),
            (["--source", "synthetic:1", "--prompt-seed", "2"], "names seed 1 but --prompt-seed is 2"),
            (["--source", "synthetic:1", "--splits", "/tmp"], "--splits goes with --source pascal:VOCDIR"),
            (["--source", "synthetic:1", "--folds", "0,4"], "--folds"),
            (["--source", "synthetic:1", "--folds", "1,1"], "distinct folds"),
            (["--source", "synthetic:1", "--pool", "4", "--select-best", "5"], "--select-best"),
            (["--source", "synthetic:1", "--final", "best"], "--final must be one of"),
            // Sizes no machine holds are refused before any set is opened (this one ran for minutes).
            (["--source", "synthetic:1", "--episodes", "1000000000000"], "--episodes 1000000000000 needs about"),
            (
                ["--source", "synthetic:1", "--pool", "99999999999", "--select-best", "5"],
                "--pool 99999999999 needs about"
            )
        ]
        for (words, message) in cases {
            let r = try runCommand(
                TestPaths.vtv, ["protocol"] + words + ["--out", Self.directory.appendingPathComponent("bad").path])
            XCTAssertEqual(r.status, 2, "\(words): \(r.output)")
            XCTAssertTrue(r.stderr.contains(message), "\(words): \(r.stderr)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.directory.appendingPathComponent("bad").path))
    }

    /// PASCAL-5i's layout on the fixture's VOC folder: fold 0 evaluated on val/fold0.txt, its task
    /// means and vectors from trn/fold1-3.txt interleaved.
    func testThePascalPathReadsTheTrainingListsOfTheOtherFoldsAndTheValidationListOfTheFold() throws {
        let splits = Self.directory.appendingPathComponent("splits")
        let lists = [
            "val/fold0.txt": "2008_000001__1\n2008_000006__1\n2008_000002__2\n2008_000007__2\n",
            "trn/fold1.txt": "2008_000003__3\n2008_000008__3\n", "trn/fold2.txt": "2008_000004__4\n2008_000009__4\n",
            "trn/fold3.txt": "2008_000005__5\n2008_000010__5\n"
        ]
        for (name, text) in lists {
            let url = splits.appendingPathComponent(name)
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        let voc = TestPaths.officialSmall.appendingPathComponent("voc").path
        let out = Self.directory.appendingPathComponent("pascal").path
        let words =
            ["protocol", "--source", "pascal:\(voc)", "--splits", splits.path, "--folds", "0"]
            + Self.sizes + ["--episodes", "5", "--out", out]
        let r = try runCommand(TestPaths.vtv, words, environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        let trn = ["1", "2", "3"].map { splits.path + "/trn/fold\($0).txt" }.joined(separator: ",")
        let report = try json(out + "/fold0/eval/report.json")
        // 5 episodes of a 4-line list: the fifth goes round to line 0 again.
        XCTAssertEqual(
            (report["prompts"] as! [String: Any])["origin"] as? String, "pascal:\(voc):\(splits.path)/val/fold0.txt")
        XCTAssertEqual((report["prompts"] as! [String: Any])["indices"] as? [Int], [0, 1, 2, 3, 4])
        let root = try HDF5File.open(out + "/fold0/activations.h5").root
        XCTAssertEqual(
            try root.attribute("pool_source", of: "tasks/segmentation/selection"), .string("pascal:\(voc):\(trn)"))
        // The pool is the first 2 lines of the interleaved lists: the first of list 1 and of list 2.
        guard case let .strings(queries) = try root.attribute("query", of: "tasks/segmentation/selection") else {
            return XCTFail("no chosen queries")
        }
        XCTAssertTrue(Set(queries).isSubset(of: ["2008_000003", "2008_000004"]), "\(queries)")
        XCTAssertEqual(try table(out)["segmentation"]!["one_shot"]![1], 5)
        // A missing list stops the study before any work.
        let missing = try runCommand(TestPaths.vtv, words.map { $0 == "0" ? "1" : ($0 == out ? out + "-missing" : $0) })
        XCTAssertEqual(missing.status, 1, missing.output)
        XCTAssertTrue(missing.stderr.contains("\(splits.path)/trn/fold0.txt"), missing.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "-missing/fold1"))
    }
}
