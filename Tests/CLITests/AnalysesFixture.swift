import Foundation
import Model
import Search
import Storage
import TestSupport
import XCTest

/// The inputs of the analyses' command tests, made once per test process: two tiny random models
/// (`model init --config tiny`), the first's means over 2 synthetic collect prompts of low-light,
/// in-painting and their composite, its scores at granularities 1 and 0, hand-listed sets (so overlaps
/// and unions are known), a set of the second model, a set of granularity 0, and an empty set.
enum AnalysesFixture {
    /// Granularity 1 of the tiny model: encoder 3 layers x 4 heads x 2 groups (variables 0-23), decoder
    /// 2 x 4 x 3 (24-47).
    static let low = [0, 3, 30, 41], inpaint = [3, 7, 45], composite = [0, 7, 30]
    static let tasks = "lowlight_enhance,inpaint,lowlight_inpaint"
    /// Held-out prompts of every analysis.
    static let evalPrompts = ["--source", "synthetic:0", "--role", "eval", "--count", "3"]

    /// Removed when the test process exits (the suites share it).
    static let directory: URL = {
        let directory = try! TestPaths.temporaryDirectory("vtv-analyses-cli")
        atexit { try? FileManager.default.removeItem(at: AnalysesFixture.directory) }
        return directory
    }()

    /// The files above, made on first use.
    private static let prepared: Void = make()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func vtv(_ arguments: [String], ranks: Int = 1) throws -> CommandResult {
        let quiet = ["VTV_QUIET": "1"]
        return ranks == 1
            ? try runCommand(TestPaths.vtv, arguments, environment: quiet)
            : try runMPI(ranks: ranks, TestPaths.vtv, arguments, environment: quiet)
    }

    /// Runs `arguments` on one and on two ranks, with "" replaced by the folders `name`-np1 and -np2.
    static func runOnOneAndTwoRanks(_ name: String, _ arguments: [String]) {
        _ = prepared
        for ranks in [1, 2] {
            let out = path("\(name)-np\(ranks)")
            let r = try! vtv(arguments.map { $0.isEmpty ? out : $0 }, ranks: ranks)
            precondition(r.status == 0, "\(name) on \(ranks) rank(s): \(r.output)")
        }
    }

    static func data(_ folder: String, _ file: String) throws -> Data {
        try Data(contentsOf: URL(fileURLWithPath: path(folder) + "/" + file))
    }

    /// `arguments` fail with `message` on stderr and leave no folder "refused".
    static func assertRefused(
        _ arguments: [String], _ message: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let r = try vtv(arguments)
        XCTAssertNotEqual(r.status, 0, "expected a refusal: \(arguments)", file: file, line: line)
        XCTAssertTrue(r.stderr.contains(message), "expected '\(message)' in: \(r.stderr)", file: file, line: line)
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: path("refused")), "a refused run wrote its folder", file: file,
            line: line)
    }

    private static func makeSet(_ task: String, _ variables: [Int], out: String, granularity: Int = 1) -> [String] {
        [
            "taskvectors", "make", "--model", path("m.h5"), "--activations", path("a.h5"), "--task", task,
            "--granularity", "\(granularity)", "--variables", variables.map(String.init).joined(separator: ","),
            "--out", path(out)
        ]
    }

    private static func make() {
        let steps: [[String]] = [
            ["model", "init", "--config", "tiny", "--seed", "5", "--out", path("m.h5")],
            ["model", "init", "--config", "tiny", "--seed", "6", "--out", path("other.h5")],
            [
                "collect", "--model", path("m.h5"), "--source", "synthetic:0", "--role", "collect", "--count", "2",
                "--tasks", tasks, "--out", path("a.h5")
            ],
            [
                "collect", "--model", path("other.h5"), "--source", "synthetic:0", "--role", "collect", "--count",
                "1", "--tasks", "inpaint", "--out", path("other-a.h5")
            ],
            [
                "taskvectors", "make", "--model", path("other.h5"), "--activations", path("other-a.h5"), "--task",
                "inpaint", "--variables", "3,7", "--out", path("other-tv.h5")
            ],
            ["score", "--activations", path("a.h5"), "--granularity", "1", "--out", path("s1.h5")],
            ["score", "--activations", path("a.h5"), "--granularity", "0", "--out", path("s0.h5")],
            makeSet("lowlight_enhance", low, out: "tv-low.h5"), makeSet("inpaint", inpaint, out: "tv-inpaint.h5"),
            makeSet("lowlight_inpaint", composite, out: "tv-composite.h5"),
            makeSet("inpaint", [2, 5], out: "tv-g0.h5", granularity: 0)
        ]
        for step in steps {
            let r = try! vtv(step)
            precondition(r.status == 0, "setting up \(step): \(r.output)")
        }
        // An empty set, as a search whose final rule keeps nothing would write.
        let means = try! ActivationsFile(path: path("a.h5")).statistics("inpaint").means(configuration: .tiny)
        try! TaskVectors(
            task: "inpaint", variables: [], granularity: .headGroup, means: means, meansFrom: nil,
            modelHash: try! TaskVectors(path: path("tv-low.h5")).modelHash, origin: "listed"
        ).write(to: path("tv-empty.h5"))
    }
}
