/// Every `vtv` subcommand, in the order `vtv --help` lists them. Add one line per command.
let commandTable: [Command] = [
    doctorCommand,
]
