import Foundation
import Pipeline

/// A `vtv` subcommand: its words (e.g. "model info"), help text, options and body.
/// The body returns the process exit status (0 for success).
struct Command {
    let name: String
    let summary: String
    /// Extra paragraphs shown by `vtv NAME --help`.
    let discussion: String
    let options: [OptionSpec]
    /// How many positional arguments the command takes (e.g. a file name), and what they are.
    /// A last name ending in "..." (`"A.h5..."`) takes that argument and any number more.
    let positional: [String]
    /// Whether every MPI rank takes part. Commands that are not distributed run on rank 0 only
    /// (the other ranks of a job exit at once), so `mpirun -np 4 vtv score ...` writes once.
    let distributed: Bool
    let run: (ParsedArguments) throws -> Int32

    init(
        name: String, summary: String, discussion: String = "", options: [OptionSpec] = [],
        positional: [String] = [], distributed: Bool = false, run: @escaping (ParsedArguments) throws -> Int32
    ) {
        self.name = name
        self.summary = summary
        self.discussion = discussion
        self.options = options + [.flag("--help", "show this help")]
        self.positional = positional
        self.distributed = distributed
        self.run = run
    }

    /// The most positional arguments the command accepts.
    var positionalLimit: Int { positional.last?.hasSuffix("...") == true ? .max : positional.count }

    var usage: String {
        var line = "usage: vtv \(name)"
        for p in positional { line += " \(p)" }
        for o in options where o.name != "--help" && o.kind != .retired {
            let word = o.kind == .flag ? o.name : "\(o.name) \(o.valueName)"
            line += o.required ? " \(word)" : " [\(word)]"
        }
        return line
    }

    var help: String {
        var text = "\(summary)\n\n\(usage)\n"
        if !discussion.isEmpty { text += "\n\(discussion)\n" }
        text += "\noptions:\n"
        let shown = options.filter { $0.kind != .retired }
        let width = shown.map { ($0.kind == .flag ? $0.name : "\($0.name) \($0.valueName)").count }.max() ?? 0
        for o in shown {
            let word = o.kind == .flag ? o.name : "\(o.name) \(o.valueName)"
            var line = "  " + word.padding(toLength: width + 2, withPad: " ", startingAt: 0) + o.help
            if let d = o.defaultValue { line += " (default: \(d))" }
            if o.required { line += " (required)" }
            text += line + "\n"
        }
        return text
    }
}
