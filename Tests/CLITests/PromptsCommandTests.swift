import Foundation
import Storage
import TestSupport
import XCTest

/// Everything stored in an HDF5 file: every dataset's float32 values and every attribute, by path.
/// Two prompts files with equal contents hold the same prompts, whatever order they were written in.
struct PromptsFileContents: Equatable {
    var datasets: [String: [Float]] = [:]
    var attributes: [String: HDF5Attribute] = [:]

    init(_ path: String) throws {
        let file = try HDF5File.open(path)
        defer { file.discard() }
        try visit(file.root, ".")
    }

    private mutating func visit(_ root: HDF5Group, _ path: String) throws {
        // Keys: "prompts/0/inpaint/canvas", "prompts/0@query", "@source" (a root attribute).
        let key = path == "." ? "" : path
        for name in try root.attributeNames(of: path) {
            attributes[key + "@" + name] = try root.attribute(name, of: path)
        }
        if root.isDataset(path) {
            datasets[path] = try root.read(path, as: Float.self).values
            return
        }
        for child in try root.children(path) { try visit(root, path == "." ? child : path + "/" + child) }
    }
}

/// `vtv prompts export | build | info`, run as the built binary (single process and under mpirun).
final class PromptsCommandTests: XCTestCase {
    private var directory: URL!
    private let voc = TestPaths.officialSmall.appendingPathComponent("voc").path
    private var pascal: String { "pascal:\(voc):\(voc)/splits/fold0.txt:0" }

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("vtv-prompts-cli")
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    private func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    private func vtv(_ arguments: [String], ranks: Int = 1) throws -> CommandResult {
        let quiet = ["VTV_QUIET": "1"]
        return ranks == 1
            ? try runCommand(TestPaths.vtv, arguments, environment: quiet)
            : try runMPI(ranks: ranks, TestPaths.vtv, arguments, environment: quiet)
    }

    /// Exports from `source` to `name` and returns the file's contents.
    private func export(_ source: String, _ extra: [String], to name: String, ranks: Int = 1) throws
        -> PromptsFileContents
    {
        let result = try vtv(["prompts", "export", "--source", source, "--out", path(name)] + extra, ranks: ranks)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stdout.contains("wrote "), result.output)
        return try PromptsFileContents(path(name))
    }

    // MARK: build

    func testBuildRebuildsEveryFixtureCanvasBitForBit() throws {
        // Classes come from the split (the fixture does not record them); names and squares from fixture.h5.
        let split = try String(contentsOfFile: voc + "/splits/fold0.txt", encoding: .utf8)
        var classOf: [String: String] = [:]
        for line in split.split(separator: "\n") {
            let parts = line.components(separatedBy: "__")
            classOf[parts[0]] = parts[1]
        }
        let fixture = try HDF5File.open(TestPaths.fixtureH5)
        defer { fixture.discard() }
        for i in 0..<5 {
            let group = "prompts/\(i)"
            guard case let .string(query) = try fixture.root.attribute("query", of: group),
                case let .string(support) = try fixture.root.attribute("support", of: group),
                case let .ints(square) = try fixture.root.attribute("inpaint_square_hw", of: group)
            else {
                return XCTFail("prompt \(i): unexpected attribute types")
            }
            let out = path("built\(i).h5")
            let result = try vtv([
                "prompts", "build", "--voc", voc, "--query", query, "--support", support,
                "--class", classOf[query]!, "--square", "\(square[0]),\(square[1])",
                "--tasks", "base", "--role", "eval", "--out", out
            ])
            XCTAssertEqual(result.status, 0, result.output)
            let built = try HDF5File.open(out)
            defer { built.discard() }
            for task in ["segmentation", "lowlight_enhance", "identity", "inpaint", "colorization"] {
                let expected = try fixture.root.read("\(group)/\(task)/canvas", as: Float.self, shape: [3, 224, 224])
                let actual = try built.root.read("prompts/0/\(task)/canvas", as: Float.self, shape: [3, 224, 224])
                XCTAssertTrue(expected.values == actual.values, "prompt \(i) \(task) differs from fixture.h5")
            }
            XCTAssertEqual(try built.root.attribute("inpaint_square_hw", of: "prompts/0"), .ints(square))
            XCTAssertEqual(try built.root.attribute("class", of: "prompts/0"), .int(Int(classOf[query]!)!))
        }
    }

    // MARK: export

    func testSyntheticExportIsDeterministicBySeed() throws {
        let options = ["--count", "2", "--role", "collect", "--canvas-size", "32", "--tasks", "identity,segmentation"]
        let a = try export("synthetic:4", options, to: "a.h5")
        let b = try export("synthetic", options + ["--prompt-seed", "4"], to: "b.h5")
        let c = try export("synthetic:5", options, to: "c.h5")
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.datasets, c.datasets)
        XCTAssertEqual(a.datasets.count, 4)
        XCTAssertEqual(a.attributes["@source"], .string("synthetic:4"))
        XCTAssertEqual(a.attributes["@tasks"], .strings(["identity", "segmentation"]))
        XCTAssertEqual(a.attributes["prompts/1@role"], .string("collect"))
    }

    func testPascalExportIsDeterministicBySeed() throws {
        let options = ["--role", "eval", "--count", "7"]
        let a = try export(pascal, options + ["--prompt-seed", "3"], to: "a.h5")
        let b = try export(pascal, options + ["--prompt-seed", "3"], to: "b.h5")
        let c = try export(pascal, options + ["--prompt-seed", "4"], to: "c.h5")
        XCTAssertEqual(a, b)
        XCTAssertNotEqual(a.attributes, c.attributes)
        XCTAssertEqual(a.datasets.count, 7 * 5)
        XCTAssertEqual(a.attributes["prompts/6@query"], .string("2008_000007"))
        XCTAssertEqual(a.attributes["prompts/6@class"], .int(2))
        XCTAssertEqual(a.attributes["@source"], .string(pascal))
        XCTAssertEqual(a.attributes["@seed"], .int(3))
    }

    /// `--seed` is the old spelling of `--prompt-seed`; it is refused with the new one rather than accepted.
    func testTheRetiredSeedOptionIsRefusedNamingPromptSeed() throws {
        let r = try runCommand(
            TestPaths.vtv,
            [
                "prompts", "export", "--source", "synthetic", "--role", "collect", "--count", "1",
                "--seed", "4", "--out", path("seed.h5")
            ])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.stderr.contains("--seed was renamed --prompt-seed"), r.output)
        XCTAssertFalse(
            r.stderr.contains("usage: vtv prompts export") && r.stderr.contains("[--seed"),
            "not shown in usage: \(r.stderr)")
    }

    func testExportUnderMpirunWithTwoRanksStoresTheSameContentsAsOneProcess() throws {
        let single = try export(pascal, ["--role", "train", "--count", "7", "--prompt-seed", "1"], to: "one.h5")
        let two = try export(pascal, ["--role", "train", "--count", "7", "--prompt-seed", "1"], to: "two.h5", ranks: 2)
        XCTAssertEqual(single, two)
        XCTAssertEqual(single.datasets.count, 7 * 5)
    }

    func testSyntheticExportUnderThreeRanksWithUnevenSharesMatchesOneProcess() throws {
        let options = ["--count", "4", "--role", "eval", "--canvas-size", "16", "--tasks", "inpaint"]
        XCTAssertEqual(
            try export("synthetic:2", options, to: "one.h5"),
            try export("synthetic:2", options, to: "three.h5", ranks: 3))
    }

    // MARK: info

    func testInfoDescribesTheFixture() throws {
        let result = try vtv(["prompts", "info", TestPaths.fixtureH5])
        XCTAssertEqual(result.status, 0, result.output)
        for needle in [
            "224x224", "prompts: 5", "collect 3, eval 2",
            "tasks:   segmentation, lowlight_enhance, identity, inpaint, colorization"
        ] {
            XCTAssertTrue(result.stdout.contains(needle), "missing '\(needle)' in:\n\(result.output)")
        }
    }
}
