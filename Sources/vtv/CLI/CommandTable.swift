/// Every `vtv` subcommand, in the order `vtv --help` lists them. Add one line per command.
let commandTable: [Command] = [
    doctorCommand,
    modelConvertCommand,
    modelInspectCommand,
    promptsExportCommand,
    promptsBuildCommand,
    promptsRenderCommand,
    promptsInfoCommand,
    collectCommand,
    searchCommand,
    modelInitCommand,
    modelInfoCommand,
    inferCommand,
    benchForwardCommand,
]
