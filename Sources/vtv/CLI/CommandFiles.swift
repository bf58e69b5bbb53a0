import Analyses
import Figures
import Outputs
import Pipeline
import Prompts
import Search

/// The files a command reads and writes, as `dispatch` checks them before the command starts
/// (`OutputPlan`): outputs never replace an input, never collide with each other, and go into
/// folders that exist and are writable. Options are read by their names, which mean the same in
/// every command; what a command writes beyond its named options is listed here too.
enum CommandFiles {
    /// Options whose values are files a command reads.
    static let inputOptions = [
        "--model", "--prompts", "--activations", "--scores", "--mae", "--vqgan", "--image", "--planted", "--composite"
    ]
    /// Options whose values are comma-separated lists of files a command reads.
    static let inputListOptions = ["--taskvectors"]
    /// Options whose values are files a command writes.
    static let outputOptions = ["--out", "--png", "--plot"]
    /// Commands whose positional arguments are input files.
    static let positionalInputs: Set<String> = [
        "model inspect", "model info", "activations info", "activations merge",
        "prompts info", "ablate", "taskvectors compare", "taskvectors combine"
    ]

    static func plan(_ command: Command, _ args: ParsedArguments) throws -> OutputPlan {
        var plan = OutputPlan()
        let names = Set(command.options.map(\.name))
        for option in inputOptions where names.contains(option) { plan.input(args.string(option), option: option) }
        for option in inputListOptions where names.contains(option) {
            for path in args.list(option) ?? [] where !path.isEmpty { plan.input(path, option: option) }
        }
        if positionalInputs.contains(command.name) {
            for path in args.positional { plan.input(path, option: "the input") }
        }
        switch command.name {
        case "eval":
            plan.outputFolder(try args.required("--out"), option: "--out", files: ReportFolder.evaluationFiles)
        case "ablate":
            plan.outputFolder(try args.required("--out"), option: "--out", files: Ablation.files)
        case "taskvectors compare":
            plan.outputFolder(try args.required("--out"), option: "--out", files: PlacementComparison.files)
        case "taskvectors combine":
            plan.outputFolder(try args.required("--out"), option: "--out", files: Combination.files)
        case "demo":
            plan.outputFolder(try args.required("--out"), option: "--out", files: ["README.md"])
        case "search":
            let outputs = try SearchOutputs(args)
            for path in outputs.taskVectors { plan.output(path, option: "--out") }
            plan.output(outputs.json, option: "--out (its report)")
            for path in outputs.plots { plan.output(path, option: "--plots") }
            plan.output(
                outputs.checkpoint,
                option: args.string("--checkpoint") == nil ? "--out (its checkpoint)" : "--checkpoint")
        case "sweep":
            // Every file --task all could write: the activations are read only once the checks pass.
            let tasks = args.list("--task") == ["all"] ? PromptTask.every.map(\.rawValue) : args.list("--task") ?? []
            var files = SweepSummary.files
            for run in try sweepRuns(args, tasks: tasks) {
                files += [run.name + ".h5", run.name + ".json", run.name + ".checkpoint.h5"]
            }
            plan.outputFolder(try args.required("--out"), option: "--out", files: files)
        case "protocol":
            for (folder, files) in try protocolJob(args).outputFolders {
                plan.outputFolder(folder, option: "--out", files: files)
            }
        case "score":
            for option in outputOptions where names.contains(option) {
                plan.output(args.string(option), option: option)
            }
            if let folder = args.string("--geometry") {
                plan.outputFolder(folder, option: "--geometry", files: GeometryFiles.names)
            }
        default:
            for option in outputOptions where names.contains(option) {
                plan.output(args.string(option), option: option)
            }
        }
        return plan
    }
}
