// A small task-vector study written against the public API alone (docs/api.md): synthetic prompts,
// task means, a short search, an evaluation, and one forward pass patched by hand. It runs on the
// embedded default model, in a folder given as its argument (made if missing):
//
//     swift run TaskVectorStudy /tmp/study          (or under mpirun for several ranks)
import VTV

let world = Communicator.world
let folder = CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "task-vector-study"
let model = try DefaultModel.path()
let task = PromptTask.segmentation

/// Synthetic prompts of `role` (roles never share a scene), drawn at the model's canvas size.
func prompts(_ role: String, count: Int) -> PromptInput {
    PromptInput { tasks, canvasSize in
        let source = try SyntheticPromptSource(
            seed: 7, role: role, count: count, layout: CanvasLayout(size: canvasSize))
        try source.requireTasks(tasks)
        return try PromptSelection(source: source, role: role, count: count)
    }
}

if world.isRoot { try OutputFolder.create(folder) }
try world.barrier()

// 1. Task means: every head output's mean over 8 one-shot prompts.
let activations = OutputFolder.file("activations.h5", in: folder)
let collected = try runCollect(
    CollectSettings(
        model: model, prompts: prompts("collect", count: 8), tasks: [task], batch: 4, out: activations),
    world: world)

// 2. A short REINFORCE search over which head outputs to patch with those means.
var settings = SearchSettings()
settings.iterations = 4
settings.samplesPerIteration = 8
settings.trainPrompts = 4
settings.evalPrompts = 2
settings.evalEvery = 2
settings.batchSize = 4
settings.reward = .tokens
// A policy this short-lived needs to start undecided and move fast to choose any variable.
settings.initialLogit = 0
settings.learningRate = 0.5
let taskVectors = OutputFolder.file("tv.h5", in: folder)
let searched = try runSearch(
    SearchJob(
        model: model, prompts: prompts("train", count: 6), settings: settings, task: task.rawValue,
        activations: activations, planted: nil, final: .threshold, checkpointEvery: 10, resume: false,
        outputs: SearchOutputs(out: taskVectors, task: task.rawValue)),
    world: world)

// 3. One-shot, zero-shot and zero-shot + task vectors on prompts of a third role.
let report = try runEvaluation(
    EvaluationSettings(
        model: model, prompts: prompts("eval", count: 4), tasks: [task], taskVectors: .files([taskVectors]),
        batch: 4, grid: 0, out: OutputFolder.file("eval", in: folder)),
    world: world)

// 4. The task vectors applied by hand: one zero-shot forward pass with the head outputs patched.
let loaded = try LoadedModel(path: model, parts: .mae)
let vectors = try TaskVectors(path: taskVectors, expectedModelHash: loaded.hash)
let canvas = try SyntheticPromptSource(
    seed: 7, role: "eval", count: 1, layout: CanvasLayout(size: loaded.configuration.imageSize)
)
.canvas(0, task: task)
let output = try loaded.mae().forward([
    MAESample(canvas: canvas.values, mode: .zeroShot, patches: vectors.patchSet())
])

if world.isRoot, let collected, let report {
    print("collect: \(collected.statistics[task.rawValue]!.count) prompts into \(collected.out)")
    print(
        "search: \(searched.variables.count) variables, best held-out loss \(searched.bestLoss) "
            + "at iteration \(searched.bestIteration) of \(searched.iteration)")
    for result in report.tasks {
        let cells = report.modes.map { "\($0.title) \(result.result($0)!.summary.formatted())" }
        print("eval: \(result.task) (\(result.metric)): \(cells.joined(separator: ", "))")
    }
    print("patched forward pass: \(output.argmax(of: 0).count) tokens predicted")
}
