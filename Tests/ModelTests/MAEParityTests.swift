import Model
import Storage
import TestSupport
import XCTest

/// The official-small fixture (Tests/Fixtures/official-small/README.md): the published PyTorch
/// code's outputs on a small random MAE-VQGAN, loaded once for all MAE tests.
enum OfficialSmall {
    static let tasks = ["segmentation", "lowlight_enhance", "identity", "inpaint", "colorization"]
    static let prompts = 0..<5

    static let file: HDF5File = try! HDF5File.open(TestPaths.fixtureH5)
    static let configuration: ModelConfiguration = try! ModelConfiguration(readingAttributesOf: "config", in: file.root)
    static let weights: WeightStore = try! WeightStore.read(from: file.root.group("weights"))
    static let model: MAEModel = try! MAEModel(configuration: configuration, weights: weights)

    static func canvas(_ prompt: Int, _ task: String) throws -> [Float] {
        try file.root.read("prompts/\(prompt)/\(task)/canvas", as: Float.self, shape: [3, 224, 224]).values
    }

    static func floats(_ path: String) throws -> HDF5Array<Float> {
        try file.root.read(path, as: Float.self)
    }

    static func tokens(_ path: String) throws -> [Int32] {
        try file.root.read(path, as: Int32.self).values
    }
}

/// max |a - b| / max |b|: the relative error used throughout the parity tests.
func relativeError(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count, "compared arrays differ in size: \(a.count) vs \(b.count)")
    var worst: Float = 0, scale: Float = 0
    for i in a.indices {
        worst = max(worst, abs(a[i] - b[i]))
        scale = max(scale, abs(b[i]))
    }
    return worst / max(scale, .leastNormalMagnitude)
}

/// Positions where our argmax differs from the reference although our own logits do not
/// separate the two tokens by a relative gap of 1e-4 (a true near-tie), or nil for a real
/// mismatch. logits: [positions, vocabulary].
func argmaxDisagreements(ours: [Int32], reference: [Int32], logits: Tensor, context: String) -> [String] {
    let vocabulary = logits.shape[1]
    var problems: [String] = []
    for p in ours.indices where ours[p] != reference[p] {
        let row = Array(logits.values[p * vocabulary..<(p + 1) * vocabulary])
        let scale = row.map(abs).max()!
        let gap = (row[Int(ours[p])] - row[Int(reference[p])]) / scale
        if gap >= 1e-4 {
            problems.append("\(context) position \(p): ours \(ours[p]), published \(reference[p]), relative gap \(gap)")
        }
    }
    return problems
}

final class MAEParityTests: XCTestCase {
    let f = OfficialSmall.self

    func testTheFixtureConfigurationIsTheSmallModelOfItsReadme() throws {
        let c = f.configuration
        XCTAssertEqual(c.encoder, StackConfiguration(width: 64, depth: 3, heads: 4, mlpHidden: 256))
        XCTAssertEqual(c.decoder, StackConfiguration(width: 32, depth: 2, heads: 4, mlpHidden: 128))
        XCTAssertEqual(c.vocabulary, 1024)
        XCTAssertEqual(c.grid, 14)
        XCTAssertEqual(c.vqgan, VQGANConfiguration.small)
        try f.weights.validate(against: c.expectedTensors)
    }

    func testOneShotLogitsMatchThePublishedCodeForPrompt3() throws {
        for task in ["segmentation", "colorization"] {
            let out = try f.model.forward([MAESample(canvas: try f.canvas(3, task), mode: .oneShot)])
            let reference = try f.floats("prompts/3/\(task)/one_shot_logits")
            XCTAssertEqual(out.logits(of: 0).shape, reference.shape)
            XCTAssertLessThan(relativeError(out.logits(of: 0).values, reference.values), 1e-4, task)
        }
    }

    func testZeroShotLogitsMatchThePublishedCodeForPrompt3() throws {
        for task in ["segmentation", "colorization"] {
            let out = try f.model.forward([MAESample(canvas: try f.canvas(3, task), mode: .zeroShot)])
            let reference = try f.floats("prompts/3/\(task)/zero_shot_logits")
            XCTAssertEqual(out.logits(of: 0).shape, reference.shape)
            XCTAssertLessThan(relativeError(out.logits(of: 0).values, reference.values), 1e-4, task)
        }
    }

    func testArgmaxTokensMatchThePublishedCodeForEveryPromptTaskAndMode() throws {
        var samples: [MAESample] = [], names: [(String, String)] = []
        for prompt in f.prompts {
            for task in f.tasks {
                let canvas = try f.canvas(prompt, task)
                samples.append(MAESample(canvas: canvas, mode: .oneShot))
                names.append(("prompts/\(prompt)/\(task)", "one_shot"))
                samples.append(MAESample(canvas: canvas, mode: .zeroShot))
                names.append(("prompts/\(prompt)/\(task)", "zero_shot"))
            }
        }
        let out = try f.model.forward(samples)
        var problems: [String] = [], exact = 0
        for (i, (path, mode)) in names.enumerated() {
            let reference = try f.tokens("\(path)/\(mode)_argmax")
            let ours = out.argmax(of: i)
            XCTAssertEqual(ours.count, reference.count)
            if ours == reference { exact += 1 }
            problems += argmaxDisagreements(
                ours: ours, reference: reference, logits: out.logits(of: i),
                context: "\(path) \(mode)")
        }
        XCTAssertEqual(problems, [])
        XCTAssertGreaterThan(exact, names.count - 3, "near-ties should be rare")
    }
}
