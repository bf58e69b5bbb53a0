/// The vtv pipeline as a library (docs/api.md): `import VTV` brings the stages (`Pipeline`), the
/// analyses of found task vectors (`Analyses`), the
/// model (`Model`), the prompts (`Prompts`), the search and its files (`Search`), the file layer
/// (`Storage`, `Outputs`), images (`Imaging`) and MPI (`Distributed`).
@_exported import Analyses
@_exported import Distributed
@_exported import Imaging
@_exported import Model
@_exported import Outputs
@_exported import Pipeline
@_exported import Prompts
@_exported import Search
@_exported import Storage
