import Distributed
import Foundation
import Outputs
import Pipeline

/// vtv's version, printed by `vtv --version`.
let vtvVersion = "0.1.0"

/// Finds the command named by the leading words of `arguments` (longest match, so
/// "model info" wins over "model"), runs it, and returns the exit status:
/// 0 success, 1 failure at run time, 2 a usage error.
func dispatch(_ arguments: [String]) -> Int32 {
    let words = Array(arguments.dropFirst())
    if words.isEmpty || words == ["--help"] || words == ["-h"] || words == ["help"] {
        print(overview)
        return words.isEmpty ? 2 : 0
    }
    if words == ["--version"] {
        print("vtv \(vtvVersion)")
        return 0
    }
    let candidates = commandTable.filter { command in
        let parts = command.name.split(separator: " ").map(String.init)
        return words.count >= parts.count && Array(words.prefix(parts.count)) == parts
    }
    guard let command = candidates.max(by: { $0.name.count < $1.name.count }) else {
        let group = commandTable.filter { $0.name.hasPrefix(words[0] + " ") }
        if !group.isEmpty {
            printError(
                "'\(words.joined(separator: " "))' is not a vtv command; '\(words[0])' has: "
                    + group.map { $0.name }.joined(separator: ", "))
        } else {
            let close = commandTable.map(\.name).filter { editDistance($0, words[0]) <= 2 }
            printError(
                "unknown command '\(words[0])'" + (close.isEmpty ? "" : "; did you mean '\(close[0])'?")
                    + "\nrun 'vtv --help' for the list of commands")
        }
        return 2
    }
    let rest = Array(words.dropFirst(command.name.split(separator: " ").count))
    if rest.contains("--help") || rest.contains("-h") {
        print(command.help)
        return 0
    }
    do {
        if !command.distributed && MPIJob.launchRank != 0 { return 0 }
        let parsed = try ParsedArguments(
            command: command.name, words: rest, specs: command.options,
            positionalAllowed: command.positionalLimit)
        if parsed.positional.count < command.positional.count {
            throw UsageError("'\(command.name)' needs \(command.positional[parsed.positional.count])")
        }
        // Output folders and collisions with inputs are checked before any work, on the rank that writes.
        if MPIJob.launchRank == 0 { try CommandFiles.plan(command, parsed).check() }
        // A distributed command starts MPI here, where a failure to start is reported as any other.
        if command.distributed { try Communicator.start() }
        // A command on one rank publishes its outputs together or not at all; distributed commands
        // group their final outputs themselves (the search's checkpoints must appear as they are made).
        return try command.distributed ? command.run(parsed) : Publication.together { try command.run(parsed) }
    } catch let error as UsageError {
        printError("\(error.message)\n\(command.usage)\nrun 'vtv \(command.name) --help' for details")
        return 2
    } catch {
        return reportFailure(error, distributed: command.distributed)
    }
}

/// Prints a run-time failure. When a distributed command fails in a job of several ranks, the
/// failing rank names itself and ends the whole job, so no other rank waits forever in a
/// collective. (Other commands run on rank 0 alone and never start MPI.)
func reportFailure(_ error: Error, distributed: Bool) -> Int32 {
    if distributed && MPIJob.isLaunchedWithSeveralRanks, let world = try? Communicator.start() {
        world.abort("error: \(failureText(error))")
        return 1
    }
    printError("error: \(failureText(error))")
    return 1
}

/// Writes `message` to stderr on rank 0 (or in a single-process run), prefixed with "vtv: ".
func printError(_ message: String) {
    guard MPIJob.launchRank == 0 else { return }
    FileHandle.standardError.write(Data("vtv: \(message)\n".utf8))
}

private var overview: String {
    let width = commandTable.map { $0.name.count }.max() ?? 0
    let lines = commandTable.map {
        "  " + $0.name.padding(toLength: width + 2, withPad: " ", startingAt: 0) + $0.summary
    }
    return """
        vtv \(vtvVersion): find, store and apply visual task vectors in MAE-VQGAN.

        usage: vtv COMMAND [options]      (under mpirun/srun for several ranks)

        commands:
        \(lines.joined(separator: "\n"))

        'vtv COMMAND --help' describes a command; 'vtv --version' prints the version.
        """
}
