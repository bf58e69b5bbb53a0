import Storage
import TestSupport
import XCTest

@testable import Model

/// The VQGAN against the published PyTorch implementation's outputs on the small model of
/// `Tests/Fixtures/official-small` (fixture.h5; see its README.md): tokens of every canvas,
/// images of every recorded prediction, and the recorded metrics of every prompt and mode.
final class VQGANParityTests: XCTestCase {
    /// Loaded once for the class: the fixture's VQGAN weights and tasks.
    private static let fixture: (file: HDF5File, weights: WeightStore, tasks: [String])? = {
        guard let file = try? HDF5File.open(TestPaths.fixtureH5),
            let weights = try? WeightStore.read(from: file.root.group("weights")),
            let tasks = try? file.root.children("prompts/0")
        else { return nil }
        return (file, weights, tasks)
    }()

    private let prompts = 0..<5
    private let modes: [(name: String, mode: PromptMode)] =
        [("one_shot", .oneShot), ("zero_shot", .zeroShot), ("patched", .zeroShot)]

    private func loadFixture() throws -> (file: HDF5File, weights: WeightStore, tasks: [String]) {
        try XCTUnwrap(Self.fixture, "cannot read \(TestPaths.fixtureH5)")
    }

    private func canvas(_ file: HDF5File, _ prompt: Int, _ task: String) throws -> [Float] {
        try file.root.read("prompts/\(prompt)/\(task)/canvas", as: Float.self, shape: [3, 224, 224]).values
    }

    /// The images the published code scores for every recorded prediction (prompt, task, mode),
    /// decoded by us once for both tests that use them (75 decodes; slow in debug builds).
    private static var rendered: [String: RenderedImage] = [:]
    private static var decoder: VQGANDecoder?

    private func render(_ prompt: Int, _ task: String, _ mode: (name: String, mode: PromptMode)) throws -> RenderedImage
    {
        let key = "\(prompt)/\(task)/\(mode.name)"
        if let image = Self.rendered[key] { return image }
        let (file, weights, _) = try loadFixture()
        let decoder = try Self.decoder ?? VQGANDecoder(configuration: .small, weights: weights)
        Self.decoder = decoder
        let predicted = try file.root.readConverting("prompts/\(prompt)/\(task)/\(mode.name)_argmax", as: Int32.self)
            .values
        let image = try Rendering.render(
            predicted: predicted, count: 1, mode: mode.mode, grid: 14, decoder: decoder,
            canvasHeight: 224, canvasWidth: 224)[0]
        Self.rendered[key] = image
        return image
    }

    func testExpectedTensorsAreExactlyTheFixtureVQGANTensors() throws {
        let (_, weights, _) = try loadFixture()
        let vae = WeightStore(weights.tensors.filter { $0.key.hasPrefix("vae.") })
        XCTAssertNoThrow(try vae.validate(against: VQGANConfiguration.small.expectedTensors(prefix: "vae.")))
    }

    func testTokensOfEveryFixtureCanvasEqualTheRecordedVQGANTokens() throws {
        let (file, weights, tasks) = try loadFixture()
        let encoder = try VQGANEncoder(configuration: .small, weights: weights)
        var canvases: [Float] = [], expected: [Int32] = []
        for prompt in prompts {
            for task in tasks {
                canvases += try canvas(file, prompt, task)
                expected += try file.root.readConverting(
                    "prompts/\(prompt)/\(task)/vqgan_tokens", as: Int32.self,
                    shape: [196]
                ).values
            }
        }
        let count = prompts.count * tasks.count
        XCTAssertEqual(count, 25)
        let tokens = try encoder.tokens(canvases: canvases, count: count, height: 224, width: 224)
        for i in 0..<count {
            let mismatches = (0..<196).filter { tokens[i * 196 + $0] != expected[i * 196 + $0] }
            XCTAssertEqual(mismatches, [], "canvas \(i) (prompt \(i / tasks.count), \(tasks[i % tasks.count]))")
        }
    }

    func testDecodingRecordedPredictionsReproducesThePublishedImages() throws {
        let (file, _, tasks) = try loadFixture()
        for prompt in [3, 4] {
            for task in tasks {
                for mode in modes {
                    let image = try render(prompt, task, mode)
                    let published = try file.root.read(
                        "prompts/\(prompt)/\(task)/\(mode.name)_image", as: UInt8.self,
                        shape: [224, 224, 3]
                    ).values
                    let differences = zip(image.pixels, published).map { abs(Int($0) - Int($1)) }
                    let within = differences.filter { $0 <= 2 }.count
                    // The README's tolerance: within 2 levels on nearly all pixels (float error
                    // in a deep decoder can move a truncation).
                    XCTAssertGreaterThanOrEqual(
                        Double(within) / Double(differences.count), 0.999,
                        "prompt \(prompt) \(task) \(mode.name)")
                }
            }
        }
    }

    func testMetricsOfDecodedPredictionsMatchTheRecordedMetricsForEveryPrompt() throws {
        let (file, _, tasks) = try loadFixture()
        for prompt in prompts {
            for task in tasks {
                let target = Metrics.targetImage(canvas: try canvas(file, prompt, task), height: 224, width: 224)
                let metric: PredictionMetric = task == "segmentation" ? .segmentationIoU : .normalizedMSE
                for mode in modes {
                    let image = try render(prompt, task, mode)
                    let recorded = try XCTUnwrap(
                        try file.root.attribute(
                            "\(mode.name)_metric",
                            of: "prompts/\(prompt)/\(task)"
                        ).doubleValue)
                    let ours = metric.evaluate(target: target, prediction: image)
                    XCTAssertEqual(
                        ours, recorded, accuracy: 1e-3 * abs(recorded), "prompt \(prompt) \(task) \(mode.name)")
                }
            }
        }
    }
}
