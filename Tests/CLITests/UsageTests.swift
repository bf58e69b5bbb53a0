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

    /// Seed options mean the same in every command: `--prompt-seed` seeds generated prompts wherever
    /// prompts are taken, `--mask-seed` a search's masks, and `--seed` is only the one seed of a
    /// command with a single random stream. `--seed` once seeded the prompts of the commands below;
    /// there it is refused (exit 2) naming the new spelling, before any other check, and not shown.
    func testSeedOptionsAreNamedForWhatTheySeedAndTheRetiredOneNamesItsReplacement() throws {
        for command in [["collect"], ["eval"], ["search"], ["sweep"], ["prompts", "export"]] {
            let r = try runCommand(TestPaths.vtv, command + ["--seed", "3"])
            XCTAssertEqual(r.status, 2, "\(command): \(r.output)")
            XCTAssertTrue(r.stderr.contains("--seed was renamed --prompt-seed"), "\(command): \(r.output)")
            let help = try runCommand(TestPaths.vtv, command + ["--help"]).stdout
            XCTAssertTrue(help.contains("--prompt-seed N"), "\(command): \(help)")
            XCTAssertFalse(help.contains("--seed "), "\(command) shows the retired --seed: \(help)")
        }
        for command in [["search"], ["sweep"]] {
            XCTAssertTrue(
                try runCommand(TestPaths.vtv, command + ["--help"]).stdout.contains("--mask-seed N"), "\(command)")
        }
        for command in [["model", "init"], ["bench", "forward"], ["bench", "vqgan"], ["bench", "search"]] {
            XCTAssertTrue(try runCommand(TestPaths.vtv, command + ["--help"]).stdout.contains("--seed N"), "\(command)")
        }
    }
}
