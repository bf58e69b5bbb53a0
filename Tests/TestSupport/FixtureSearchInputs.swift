import Foundation

/// The inputs of a search on the official-small fixture, made with the built `vtv`: the fixture's
/// MAE checkpoint converted to a model file (`model.h5`) and its "collect" prompts collected for
/// some tasks (`activations.h5`), both in `directory`. Used by the suites that search the fixture.
public enum FixtureSearchInputs {
    /// Makes `directory`/model.h5 and `directory`/activations.h5 for `tasks` (comma-separated);
    /// stops the test process when `vtv` fails, with its output.
    public static func make(in directory: URL, tasks: String) {
        let model = directory.appendingPathComponent("model.h5").path
        let convert = try! runCommand(
            TestPaths.vtv,
            [
                "model", "convert", "--mae",
                TestPaths.officialSmall.appendingPathComponent("checkpoint.pth").path, "--out", model
            ])
        precondition(convert.status == 0, convert.output)
        let collect = try! runCommand(
            TestPaths.vtv,
            [
                "collect", "--model", model, "--prompts", TestPaths.fixtureH5,
                "--role", "collect", "--tasks", tasks,
                "--out", directory.appendingPathComponent("activations.h5").path
            ],
            environment: ["VTV_QUIET": "1"])
        precondition(collect.status == 0, collect.output)
    }
}
