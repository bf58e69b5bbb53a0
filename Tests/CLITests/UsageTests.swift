import Foundation
import TestSupport
import XCTest

/// The command line: help for everything, a version, and usage mistakes exit with status 2.
final class UsageTests: XCTestCase {
    func vtv(_ arguments: String...) throws -> CommandResult { try runCommand(TestPaths.vtv, arguments) }

    func testVersionIsPrinted() throws {
        let r = try vtv("--version")
        XCTAssertEqual(r.status, 0)
        XCTAssertTrue(r.stdout.hasPrefix("vtv "), r.output)
    }

    func testEveryListedCommandHasHelp() throws {
        let overview = try vtv("--help")
        XCTAssertEqual(overview.status, 0)
        let commands = overview.stdout.components(separatedBy: "commands:\n")[1]
            .components(separatedBy: "\n\n")[0].split(separator: "\n")
            .map { $0.trimmingCharacters(in: .whitespaces).components(separatedBy: "  ")[0] }
        XCTAssertTrue(commands.contains("doctor"), overview.stdout)
        for command in commands {
            let r = try runCommand(TestPaths.vtv, command.split(separator: " ").map(String.init) + ["--help"])
            XCTAssertEqual(r.status, 0, "vtv \(command) --help: \(r.output)")
            XCTAssertTrue(r.stdout.contains("usage: vtv \(command)"), r.output)
        }
    }

    func testAnUnknownCommandSuggestsTheClosestOneAndExitsTwo() throws {
        let r = try vtv("docter")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("did you mean 'doctor'"), r.output)
    }

    func testAnUnknownOptionExitsTwoWithUsage() throws {
        let r = try vtv("doctor", "--check-mpii")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("unknown option '--check-mpii'"), r.output)
        XCTAssertTrue(r.stderr.contains("did you mean --check-mpi"), r.output)
        XCTAssertTrue(r.stderr.contains("usage: vtv doctor"), r.output)
    }

    func testABadOptionValueExitsTwoNamingTheOption() throws {
        let r = try vtv("doctor", "--blas-threads", "two")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("--blas-threads expects comma-separated integers"), r.output)
    }

    func testAMissingOptionValueExitsTwo() throws {
        let r = try vtv("doctor", "--probe-seconds")
        XCTAssertEqual(r.status, 2)
        XCTAssertTrue(r.stderr.contains("needs a value"), r.output)
    }
}
