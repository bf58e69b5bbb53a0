import Foundation
import Model
import Prompts
import Search
import Storage
import TestSupport
import XCTest

/// Collection and task vectors against the published code (Tests/Fixtures/official-small): our
/// statistics over the collect prompts 0-2 are its task means, and task vectors made from them at
/// its granularity-1 mask reproduce its patched zero-shot runs.
final class ActivationsParityTests: XCTestCase {
    static let tasks = ["segmentation", "lowlight_enhance", "identity", "inpaint", "colorization"]
    static let fixture: HDF5File = try! HDF5File.open(TestPaths.fixtureH5)
    static let configuration = try! ModelConfiguration(readingAttributesOf: "config", in: fixture.root)
    static let weights = try! WeightStore.read(from: fixture.root.group("weights"))
    static let model = try! MAEModel(configuration: configuration, weights: weights)
    static let prompts = try! PromptsFile(path: TestPaths.fixtureH5)

    /// Our collection over the prompts with role `collect` (0-2), every task; computed once.
    static let collected: ActivationsFile = {
        let selection = try! PromptSelection(source: prompts, role: "collect", count: nil)
        let collector = ActivationCollector(model: model, batchSize: 4)
        var tasks: [String: TaskStatistics] = [:]
        for name in ActivationsParityTests.tasks {
            let task = PromptTask(rawValue: name)!
            tasks[name] = try! collector.collect(
                selection.indices, canvas: { try prompts.canvas($0, task: task).values },
                identity: { "fixture#\($0)" })
        }
        return ActivationsFile(configuration: configuration, modelHash: weights.contentHash, tasks: tasks)
    }()

    func testTheCollectRolePicksPrompts0To2() throws {
        XCTAssertEqual(try PromptSelection(source: Self.prompts, role: "collect", count: nil).indices, [0, 1, 2])
        XCTAssertEqual(Self.collected.tasks["inpaint"]?.prompts, ["fixture#0", "fixture#1", "fixture#2"])
    }

    func testCollectedMeansProjectedThroughEachHeadsSliceOfProjEqualThePublishedTaskMeans() throws {
        for task in Self.tasks {
            let means = try Self.collected.statistics(task).means(configuration: Self.configuration)
            for (stack, name) in [(Stack.encoder, "encoder"), (.decoder, "decoder")] {
                let ours = try means.projected(stack, weights: Self.weights)
                let reference = try Self.fixture.root.read("task_means/\(task)/\(name)_projected", as: Float.self)
                XCTAssertEqual(ours.shape, reference.shape, "\(task) \(name)")
                XCTAssertLessThan(relativeError(ours.values, reference.values), 1e-4, "\(task) \(name)")
            }
        }
    }

    func testTheActivationsFileKeepsTheStatisticsExactly() throws {
        let directory = try TestPaths.temporaryDirectory("activations")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("a.h5").path
        try Self.collected.write(to: path)
        let back = try ActivationsFile(path: path)
        XCTAssertEqual(back.modelHash, Self.collected.modelHash)
        XCTAssertEqual(back.configuration, Self.configuration)
        XCTAssertEqual(back.taskNames, Self.tasks.sorted())
        for task in Self.tasks {
            let a = try back.statistics(task), b = try Self.collected.statistics(task)
            XCTAssertEqual(a.count, 3)
            XCTAssertEqual(a.encoder.mean, b.encoder.mean, task)
            XCTAssertEqual(a.decoder.mean, b.decoder.mean, task)
            XCTAssertEqual(relativeError(a.decoder.variance, b.decoder.variance), 0, accuracy: 1e-12, task)
            XCTAssertEqual(a.prompts, b.prompts)
        }
    }

    func testTaskVectorsAtThePublishedMaskReproduceThePublishedPatchedRuns() throws {
        let mask = try Self.fixture.root.read("patch/granularity1_mask", as: UInt8.self).values
        let space = PatchVariables(configuration: Self.configuration, granularity: .headGroup)
        XCTAssertEqual(mask.count, space.count)
        let variables = mask.indices.filter { mask[$0] != 0 }
        let directory = try TestPaths.temporaryDirectory("taskvectors")
        defer { try? FileManager.default.removeItem(at: directory) }

        var samples: [MAESample] = [], paths: [String] = []
        for task in Self.tasks {
            let means = try Self.collected.statistics(task).means(configuration: Self.configuration)
            // Through a task-vectors file, as `vtv infer --mode patched --taskvectors` applies them.
            let path = directory.appendingPathComponent("\(task).h5").path
            try TaskVectors(
                task: task, variables: variables, granularity: .headGroup, means: means,
                meansFrom: try Self.collected.statistics(task).provenance,
                modelHash: Self.collected.modelHash, origin: "fixture mask"
            ).write(to: path)
            let vectors = try TaskVectors(path: path, expectedModelHash: Self.collected.modelHash)
            XCTAssertEqual(vectors.variables, variables)
            XCTAssertEqual(vectors.meansFrom, try Self.collected.statistics(task).provenance)
            let patches = vectors.patchSet()
            XCTAssertEqual(patches.count, 348, "the published rows_layer_head_position has 348 rows")
            for prompt in 0..<5 {
                let canvas = try Self.prompts.canvas(prompt, task: PromptTask(rawValue: task)!)
                samples.append(MAESample(canvas: canvas.values, mode: .zeroShot, patches: patches))
                paths.append("prompts/\(prompt)/\(task)")
            }
        }
        let out = try Self.model.forward(samples)
        var problems: [String] = [], changed = 0, logitChecks = 0
        for (i, path) in paths.enumerated() {
            let reference = try Self.fixture.root.read("\(path)/patched_argmax", as: Int32.self).values
            let logits = out.logits(of: i)
            problems += argmaxDisagreements(
                ours: out.argmax(of: i), reference: reference, logits: logits.values,
                vocabulary: logits.shape[1], context: path)
            if try Self.fixture.root.read("\(path)/zero_shot_argmax", as: Int32.self).values != reference {
                changed += 1
            }
            if Self.fixture.root.exists("\(path)/patched_logits") {
                let published = try Self.fixture.root.read("\(path)/patched_logits", as: Float.self)
                XCTAssertEqual(logits.shape, published.shape, path)
                XCTAssertLessThan(relativeError(logits.values, published.values), 1e-4, path)
                logitChecks += 1
            }
        }
        XCTAssertEqual(problems, [])
        XCTAssertEqual(logitChecks, 2, "prompt 3 of segmentation and colorization carry logits")
        XCTAssertGreaterThan(changed, 0, "patching should change some predictions, or the test proves nothing")
    }
}

/// max |a - b| / max |b|, the relative error of the parity tests.
private func relativeError<T: BinaryFloatingPoint>(_ a: [T], _ b: [T]) -> T {
    precondition(a.count == b.count, "compared arrays differ in size: \(a.count) vs \(b.count)")
    var worst: T = 0, scale: T = 0
    for i in a.indices {
        worst = max(worst, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
    }
    return worst / max(scale, .leastNormalMagnitude)
}

/// Positions where our argmax differs from the published one although our logits separate the two
/// tokens by a relative gap of at least 1e-4 (so not a true near-tie; the rule of
/// Tests/ModelTests/MAEParityTests.swift). logits: [positions, vocabulary].
private func argmaxDisagreements(
    ours: [Int32], reference: [Int32], logits: [Float], vocabulary: Int,
    context: String
) -> [String] {
    var problems: [String] = []
    for p in ours.indices where ours[p] != reference[p] {
        let row = logits[p * vocabulary..<(p + 1) * vocabulary]
        let scale = row.map(abs).max()!
        let gap = (row[row.startIndex + Int(ours[p])] - row[row.startIndex + Int(reference[p])]) / scale
        if gap >= 1e-4 {
            problems.append("\(context) position \(p): ours \(ours[p]), published \(reference[p]), relative gap \(gap)")
        }
    }
    return problems
}
