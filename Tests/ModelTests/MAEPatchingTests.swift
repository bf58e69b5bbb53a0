import Model
import Storage
import TestSupport
import XCTest

/// Recording head outputs, task means and patching, against the published code's recordings
/// and patched runs in the official-small fixture.
final class MAEPatchingTests: XCTestCase {
    let f = OfficialSmall.self

    /// Our one-shot recordings of prompts 0-2 of `task`, averaged (unprojected task means).
    static var taskMeans: [String: HeadOutputs] = [:]
    func taskMeans(_ task: String) throws -> HeadOutputs {
        if let m = Self.taskMeans[task] { return m }
        let recorders = (0..<3).map { _ in HeadRecorder(configuration: f.configuration, mode: .oneShot) }
        let samples = try (0..<3).map {
            MAESample(canvas: try f.canvas($0, task), mode: .oneShot, recorder: recorders[$0])
        }
        _ = try f.model.forward(samples)
        let m = HeadOutputs.mean(of: recorders.map(\.outputs))
        Self.taskMeans[task] = m
        return m
    }

    func publishedPatchTargets() throws -> [PatchSet.Target] {
        let rows = try f.file.root.read("patch/rows_layer_head_position", as: Int64.self)
        XCTAssertEqual(rows.shape[1], 3)
        let list = (0..<rows.shape[0]).map { r in (0..<3).map { Int(rows.values[r * 3 + $0]) } }
        return try PatchVariables.targets(publishedRows: list, configuration: f.configuration)
    }

    func testRecordedHeadOutputsProjectToThePublishedRecordingOfPrompt0() throws {
        let recorder = HeadRecorder(configuration: f.configuration, mode: .oneShot)
        _ = try f.model.forward([MAESample(canvas: try f.canvas(0, "segmentation"), mode: .oneShot, recorder: recorder)]
        )
        XCTAssertEqual(recorder.outputs.shape(.encoder), [3, 148, 4, 16])
        XCTAssertEqual(recorder.outputs.shape(.decoder), [2, 197, 4, 8])
        for (stack, name) in [(Stack.encoder, "encoder"), (.decoder, "decoder")] {
            let ours = try recorder.outputs.projected(stack, weights: f.weights)
            let reference = try f.floats("task_means/segmentation/first_prompt_\(name)_projected")
            XCTAssertEqual(ours.shape, reference.shape)
            XCTAssertLessThan(relativeError(ours.values, reference.values), 1e-4, name)
        }
    }

    func testTaskMeansOfOurRecordingsProjectToThePublishedTaskMeans() throws {
        for task in f.tasks {
            let means = try taskMeans(task)
            for (stack, name) in [(Stack.encoder, "encoder"), (.decoder, "decoder")] {
                let ours = try means.projected(stack, weights: f.weights)
                let reference = try f.floats("task_means/\(task)/\(name)_projected")
                XCTAssertLessThan(relativeError(ours.values, reference.values), 1e-4, "\(task) \(name)")
            }
        }
    }

    func testPublishedPatchRowsBecomeTargetsInBothStacks() throws {
        let targets = try publishedPatchTargets()
        XCTAssertEqual(targets.count, 348)
        XCTAssertEqual(targets.first, PatchSet.Target(.encoder, layer: 0, head: 0, token: 1))
        XCTAssertEqual(targets.last, PatchSet.Target(.decoder, layer: 1, head: 2, token: 0))
        XCTAssertThrowsError(try PatchVariables.targets(publishedRows: [[3, 0, 0]], configuration: f.configuration))
        XCTAssertThrowsError(try PatchVariables.targets(publishedRows: [[24, 0, 99]], configuration: f.configuration))
    }

    func testPatchedZeroShotRunsReproduceThePublishedArgmaxAndLogits() throws {
        let targets = try publishedPatchTargets()
        var samples: [MAESample] = [], paths: [String] = []
        for task in f.tasks {
            let patches = PatchSet(taskVectors: targets, means: try taskMeans(task), mode: .zeroShot)
            XCTAssertEqual(patches.count, 348)
            for prompt in f.prompts {
                samples.append(MAESample(canvas: try f.canvas(prompt, task), mode: .zeroShot, patches: patches))
                paths.append("prompts/\(prompt)/\(task)")
            }
        }
        let out = try f.model.forward(samples)
        var problems: [String] = [], changed = 0
        for (i, path) in paths.enumerated() {
            let reference = try f.tokens("\(path)/patched_argmax")
            let ours = out.argmax(of: i)
            problems += argmaxDisagreements(ours: ours, reference: reference, logits: out.logits(of: i), context: path)
            if try f.tokens("\(path)/zero_shot_argmax") != reference { changed += 1 }
            if path.hasPrefix("prompts/3/"), path.hasSuffix("segmentation") || path.hasSuffix("colorization") {
                let logits = try f.floats("\(path)/patched_logits")
                XCTAssertLessThan(relativeError(out.logits(of: i).values, logits.values), 1e-4, path)
            }
        }
        XCTAssertEqual(problems, [])
        XCTAssertGreaterThan(changed, 0, "patching should change some predictions, or the test proves nothing")
    }

    func testPatchingHeadOutputsWithTheirOwnRecordedValuesChangesNothing() throws {
        let canvas = try f.canvas(1, "inpaint")
        let recorder = HeadRecorder(configuration: f.configuration, mode: .oneShot)
        let plain = try f.model.forward([MAESample(canvas: canvas, mode: .oneShot, recorder: recorder)])
        var patches = PatchSet(values: recorder.outputs)
        for stack in Stack.allCases {
            let s = f.configuration.stack(stack)
            for l in 0..<s.depth {
                for h in 0..<s.heads {
                    for t in stride(from: 0, to: recorder.outputs.tokens(stack), by: 5) {
                        patches.add(PatchSet.Target(stack, layer: l, head: h, token: t), sourceToken: t)
                    }
                }
            }
        }
        let patched = try f.model.forward([MAESample(canvas: canvas, mode: .oneShot, patches: patches)])
        XCTAssertTrue(patched.logits(of: 0) == plain.logits(of: 0), "patching changed the logits")
    }

    func testPatchingOneDecoderHeadOutputChangesOnlyLaterComputation() throws {
        // A decoder patch in the last layer cannot reach the encoder, and a changed vector must
        // change the logits.
        let canvas = try f.canvas(2, "identity")
        let before = HeadRecorder(configuration: f.configuration, mode: .zeroShot)
        let after = HeadRecorder(configuration: f.configuration, mode: .zeroShot)
        var values = HeadOutputs(configuration: f.configuration, layout: TokenLayout(mode: .zeroShot, grid: 14))
        values.decoder = values.decoder.map { _ in 3 }
        var patches = PatchSet(values: values)
        patches.add(PatchSet.Target(.decoder, layer: 1, head: 2, token: 40), sourceToken: 40)
        let out = try f.model.forward([
            MAESample(canvas: canvas, mode: .zeroShot, recorder: before),
            MAESample(canvas: canvas, mode: .zeroShot, patches: patches, recorder: after)
        ])
        XCTAssertLessThan(relativeError(after.outputs.encoder, before.outputs.encoder), 1e-5)
        XCTAssertEqual(
            Array(after.outputs.vector(.decoder, layer: 1, token: 40, head: 2)), [Float](repeating: 3, count: 8))
        XCTAssertGreaterThan(relativeError(out.logits(of: 1).values, out.logits(of: 0).values), 1e-3)
    }

    func testASampleResultDoesNotDependOnTheRestOfItsBatch() throws {
        let canvases = try (0..<4).map { try f.canvas($0, "colorization") }
        let means = try taskMeans("colorization")
        let patches = PatchSet(taskVectors: try publishedPatchTargets(), means: means, mode: .zeroShot)
        let probe = MAESample(canvas: canvases[0], mode: .zeroShot, patches: patches)
        let alone = try f.model.forward([probe])
        let mixed = try f.model.forward([
            MAESample(canvas: canvases[1], mode: .oneShot), probe,
            MAESample(canvas: canvases[2], mode: .zeroShot),
            MAESample(canvas: canvases[3], mode: .oneShot, patches: PatchSet(values: means))
        ])
        // Equal up to BLAS rounding: OpenBLAS's SGEMM may sum a row in an order that depends on
        // where the row falls in its tiling (measured: ~5e-7 relative with the generic kernels);
        // any leak between samples would be orders of magnitude larger.
        XCTAssertLessThan(relativeError(mixed.logits(of: 1).values, alone.logits(of: 0).values), 1e-5)
        XCTAssertEqual(mixed.argmax(of: 1), alone.argmax(of: 0))
        XCTAssertEqual(mixed.positions(of: 0), 196)
        XCTAssertEqual(mixed.positions(of: 1), 98)
    }

    func testABatchSplitBetweenThreadsEqualsTheUnsplitBatch() throws {
        // 3 BLAS threads: 5 mixed samples go to 3 workers with single-threaded SGEMMs each.
        let saved = BLASRuntime.threads
        defer { BLASRuntime.threads = saved }
        let means = try taskMeans("inpaint")
        let patches = PatchSet(taskVectors: try publishedPatchTargets(), means: means, mode: .zeroShot)
        let modes: [PromptMode] = [.oneShot, .zeroShot, .zeroShot, .oneShot, .zeroShot]
        func run(threads: Int) throws -> (MAEOutput, [HeadRecorder]) {
            BLASRuntime.threads = threads
            let recorders = modes.map { HeadRecorder(configuration: f.configuration, mode: $0) }
            let samples = try modes.enumerated().map { i, mode in
                MAESample(
                    canvas: try f.canvas(i, "inpaint"), mode: mode, patches: i == 2 ? patches : nil,
                    recorder: recorders[i])
            }
            let out = try f.model.forward(samples)
            XCTAssertEqual(BLASRuntime.threads, threads, "the forward pass must restore the BLAS thread count")
            return (out, recorders)
        }
        let (split, splitRecorders) = try run(threads: 3)
        let (single, singleRecorders) = try run(threads: 1)
        for i in modes.indices {
            XCTAssertEqual(split.positions(of: i), single.positions(of: i))
            XCTAssertLessThan(
                relativeError(split.logits(of: i).values, single.logits(of: i).values), 1e-5, "sample \(i)")
            XCTAssertEqual(split.argmax(of: i), single.argmax(of: i), "sample \(i)")
            XCTAssertLessThan(
                relativeError(splitRecorders[i].outputs.decoder, singleRecorders[i].outputs.decoder), 1e-5)
        }
    }

    func testAForwardPassRejectsARecorderMadeForTheOtherMode() throws {
        let recorder = HeadRecorder(configuration: f.configuration, mode: .oneShot)
        XCTAssertThrowsError(
            try f.model.forward([
                MAESample(
                    canvas: try f.canvas(0, "identity"), mode: .zeroShot,
                    recorder: recorder)
            ])
        ) { error in
            XCTAssertEqual(error as? MAEInputError, .recorderMode(sample: 0, recorder: .oneShot, run: .zeroShot))
        }
        XCTAssertThrowsError(try f.model.forward([MAESample(canvas: [0, 1], mode: .zeroShot)]))
    }

    func testAOneShotPatchTargetBeyondTheZeroShotLayoutIsRejected() throws {
        let means = try taskMeans("identity")
        var patches = PatchSet(values: means)
        patches.add(PatchSet.Target(.decoder, layer: 0, head: 0, token: 150), sourceToken: 150)
        XCTAssertThrowsError(
            try f.model.forward([
                MAESample(
                    canvas: try f.canvas(0, "identity"), mode: .zeroShot,
                    patches: patches)
            ])
        ) { error in
            XCTAssertEqual(error as? MAEInputError, .patchToken(sample: 0, stack: .decoder, token: 150, tokens: 99))
        }
    }
}
