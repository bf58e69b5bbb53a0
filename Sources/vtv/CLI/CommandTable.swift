import Pipeline

/// Every `vtv` subcommand, in the order `vtv --help` lists them. Add one line per command.
let commandTable: [Command] = [
    demoCommand,
    doctorCommand,
    modelConvertCommand,
    modelInspectCommand,
    promptsExportCommand,
    promptsBuildCommand,
    promptsRenderCommand,
    promptsInfoCommand,
    collectCommand,
    activationsMergeCommand,
    activationsInfoCommand,
    scoreCommand,
    taskVectorsMakeCommand,
    taskVectorsCompareCommand,
    taskVectorsCombineCommand,
    searchCommand,
    sweepCommand,
    evalCommand,
    ablateCommand,
    protocolCommand,
    predictCommand,
    modelInitCommand,
    modelInfoCommand,
    inferCommand,
    benchForwardCommand,
    benchPrecisionCommand,
    benchSearchCommand,
    benchSearchOverheadCommand,
    benchVQGANCommand
]
