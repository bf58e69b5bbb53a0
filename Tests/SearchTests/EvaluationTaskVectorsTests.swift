import Imaging
import Model
import Prompts
import Search
import Storage
import TestSupport
import XCTest

/// How `vtv eval` finds each task's vectors, and the zero-shot canvas and rendering of `vtv predict`.
final class EvaluationTaskVectorsTests: XCTestCase {
    private let configuration = ModelConfiguration.tiny

    private func vectors(_ task: String, variables: [Int] = [0]) -> TaskVectors {
        let means = HeadOutputs(
            configuration: configuration, layout: TokenLayout(mode: .oneShot, grid: configuration.grid))
        return TaskVectors(
            task: task, variables: variables, granularity: .headGroup, means: means, meansFrom: nil, modelHash: "h",
            origin: "test")
    }

    func testFilesAreMatchedToTasksByTheirTaskAttribute() throws {
        let matched = try EvaluationTaskVectors.match(
            [("b.h5", vectors("inpaint")), ("a.h5", vectors("segmentation"))],
            tasks: ["segmentation", "inpaint"])
        XCTAssertEqual(matched["segmentation"]?.task, "segmentation")
        XCTAssertEqual(matched["inpaint"]?.task, "inpaint")
    }

    func testATaskWithoutAFileIsAMissingTask() {
        XCTAssertThrowsError(
            try EvaluationTaskVectors.match(
                [("a.h5", vectors("segmentation"))], tasks: ["segmentation", "colorization"])
        ) {
            guard case let .missingTask(_, task, available)? = $0 as? SearchInputError else { return XCTFail("\($0)") }
            XCTAssertEqual(task, "colorization")
            XCTAssertEqual(available, ["segmentation"])
        }
    }

    func testTwoFilesForOneTaskAreRefused() {
        XCTAssertThrowsError(
            try EvaluationTaskVectors.match(
                [("a.h5", vectors("inpaint")), ("b.h5", vectors("inpaint"))],
                tasks: ["inpaint"])
        ) {
            XCTAssertTrue("\($0)".contains("a.h5 and b.h5 are both task vectors for 'inpaint'"), "\($0)")
        }
    }

    func testTopKTakesTheFirstKOfTheRankingForEveryTask() throws {
        let space = PatchVariables(configuration: configuration, granularity: .headGroup)
        let ranking = [7, 3, 11] + (0..<space.count).filter { ![7, 3, 11].contains($0) }
        let statistics = TaskStatistics(configuration: configuration)
        let activations = ActivationsFile(
            configuration: configuration, modelHash: "h",
            tasks: ["segmentation": statistics, "inpaint": statistics])
        let chosen = try EvaluationTaskVectors.topK(
            2, ranking: ranking, granularity: .headGroup, scoredTasks: ["segmentation", "inpaint"],
            activations: activations, tasks: ["segmentation", "inpaint"], modelHash: "h")
        XCTAssertEqual(chosen["segmentation"]?.variables, [3, 7])
        XCTAssertEqual(chosen["inpaint"]?.variables, [3, 7])
        XCTAssertEqual(chosen["inpaint"]?.origin, "top-2 by taskness over segmentation,inpaint")
        XCTAssertThrowsError(
            try EvaluationTaskVectors.topK(
                0, ranking: ranking, granularity: .headGroup, scoredTasks: [],
                activations: activations, tasks: ["inpaint"], modelHash: "h"))
    }

    func testTheZeroShotCanvasHasTheQueryInQ3AndWhiteElsewhere() throws {
        let layout = CanvasLayout(size: 10) // quadrant 4, second quadrant from 6
        let gray = Image8(width: 4, height: 4, channels: 3, filledWith: 51)
        let canvas = CanvasQuadrants.zeroShotCanvas(query: try QuadrantImage(image: gray, side: 4), layout: layout)
        for c in 0..<3 {
            for y in 0..<10 {
                for x in 0..<10 {
                    let inQ3 = y >= 6 && x < 4
                    XCTAssertEqual(canvas[(c * 10 + y) * 10 + x], inQ3 ? 0.2 : 1, "channel \(c) (\(y), \(x))")
                }
            }
        }
    }

    func testQuadrantCropsTakeTheBottomQuadrants() {
        let layout = CanvasLayout(size: 10)
        let pixels = (0..<300).map { UInt8($0 / 3 % 256) } // pixel value = row * 10 + col
        let image = RenderedImage(height: 10, width: 10, pixels: pixels)
        XCTAssertEqual(CanvasQuadrants.query(image, layout: layout)[0, 0, 0], 60)
        XCTAssertEqual(CanvasQuadrants.answer(image, layout: layout)[0, 0, 1], 66)
        XCTAssertEqual(CanvasQuadrants.answer(image, layout: layout)[3, 3, 2], 99)
    }

    func testAPersonsImageGivesThePublishedZeroShotPredictionOfThatQuery() throws {
        // Prompt 3's query is 2008_000004.jpg; the fixture's zero_shot_image is the published code's
        // rendering of its zero-shot run, which sees only Q3 (docs/paper.md#token-layouts).
        let fixture = try HDF5File.open(TestPaths.fixtureH5)
        defer { fixture.discard() }
        let recorded = try fixture.root.read("prompts/3/segmentation/zero_shot_image", as: UInt8.self).values
        let (configuration, weights) = try ModelFile.read(TestPaths.fixtureH5)
        let image = try ImageFile.read(
            TestPaths.officialSmall.appendingPathComponent("voc/VOCdevkit/VOC2012/JPEGImages/2008_000004.jpg").path)
        let layout = CanvasLayout(size: configuration.imageSize)
        let canvas = CanvasQuadrants.zeroShotCanvas(
            query: try QuadrantImage(image: image, side: layout.quadrant), layout: layout)
        let evaluator = PromptEvaluator(
            model: try MAEModel(configuration: configuration, weights: weights),
            decoder: try VQGANDecoder(configuration: configuration.vqgan, weights: weights), batchSize: 1)
        let predicted = try evaluator.predictions(canvases: [canvas], mode: .zeroShot)[0]
        XCTAssertEqual(predicted.pixels.count, recorded.count)
        let far = zip(predicted.pixels, recorded).filter { abs(Int($0) - Int($1)) > 2 }.count
        XCTAssertLessThan(Double(far) / Double(recorded.count), 0.01, "\(far) samples differ by more than 2 levels")
    }
}
