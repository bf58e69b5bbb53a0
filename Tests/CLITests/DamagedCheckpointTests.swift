import Foundation
import Storage
import TestSupport
import XCTest

/// A search checkpoint whose numbers are wrong but whose file is whole (edited and re-sealed, so
/// every checksum passes) is refused with a message naming it, never trapped on: counts stored as
/// float64 that are NaN or fractional, records of the wrong shape, a non-finite policy.
final class DamagedCheckpointTests: XCTestCase {
    static var directory: URL!
    static let fixture = TestPaths.fixtureH5
    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    static func search(_ extra: [String] = []) throws -> CommandResult {
        try runCommand(
            TestPaths.vtv,
            [
                "search", "--model", fixture, "--activations", path("a.h5"), "--prompts", fixture,
                "--task", "segmentation", "--reward", "tokens", "--iterations", "2", "--samples", "4",
                "--train-prompts", "3", "--eval-prompts", "2", "--eval-every", "1",
                "--checkpoint-every", "1", "--out", path("tv.h5")
            ] + extra,
            environment: ["VTV_QUIET": "1"])
    }

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("damaged-checkpoint")
        let collect = try! runCommand(
            TestPaths.vtv,
            [
                "collect", "--model", fixture, "--prompts", fixture, "--count", "2",
                "--tasks", "segmentation", "--out", path("a.h5")
            ])
        precondition(collect.status == 0, collect.output)
        let first = try! search()
        precondition(first.status == 0, first.output)
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    /// Copies the checkpoint, lets `edit` change it (the file is re-sealed on close), resumes from it.
    func resume(after edit: (HDF5Group) throws -> Void) throws -> CommandResult {
        let damaged = Self.path("damaged-\(UUID().uuidString.prefix(6)).h5")
        try FileManager.default.copyItem(atPath: Self.path("tv.checkpoint.h5"), toPath: damaged)
        let file = try HDF5File.open(damaged, writable: true)
        try edit(file.root)
        try file.commit()
        return try Self.search(["--iterations", "3", "--resume", "--checkpoint", damaged])
    }

    func assertRefused(_ r: CommandResult, _ expected: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, 1, r.output, file: file, line: line)
        XCTAssertTrue(r.stderr.contains(expected) && r.stderr.contains("damaged"), r.stderr, file: file, line: line)
        XCTAssertFalse(
            r.stderr.contains("Fatal error") || r.stderr.contains("crashed"), r.stderr, file: file, line: line)
    }

    func testTheUndamagedCheckpointResumes() throws {
        let r = try resume { _ in }
        XCTAssertEqual(r.status, 0, r.output)
    }

    func testANaNIterationNumberIsRefused() throws {
        assertRefused(
            try resume { root in
                var e = try root.read("evaluations", as: Double.self)
                e.values[0] = .nan
                try root.write("evaluations", e.values, shape: e.shape)
            }, "not a count")
    }

    func testRecordsOfTheWrongShapeAreRefused() throws {
        assertRefused(
            try resume { root in
                try root.write("history", [1.0, 2, 3], shape: [3])
            }, "'history' has shape [3]")
    }

    func testANonFinitePolicyIsRefused() throws {
        assertRefused(
            try resume { root in
                var logits = try root.read("policy_logits", as: Double.self)
                logits.values[1] = .infinity
                try root.write("policy_logits", logits.values, shape: logits.shape)
            }, "non-finite")
    }
}
