import Model
import Randomness
import Search
import XCTest

/// Task vectors become a patch set in one hop (only the chosen vectors, no one-shot table), and
/// patch a forward pass exactly as the patch set drawn from the whole table of task means does.
final class TaskVectorsPatchSetTests: XCTestCase {
    private let configuration = ModelConfiguration.tiny

    /// Task means with a distinct value everywhere, so a vector taken from the wrong place shows.
    private func means() -> HeadOutputs {
        var means = HeadOutputs(
            configuration: configuration, layout: TokenLayout(mode: .oneShot, grid: configuration.grid))
        let stream = RandomStream(seed: 5, name: "task means")
        means.encoder = means.encoder.indices.map { stream.uniform(UInt64($0), -2, 2) }
        means.decoder = means.decoder.indices.map { stream.uniform(UInt64(means.encoder.count + $0), -2, 2) }
        return means
    }

    func testTheVectorsPatchSetWritesWhatTheTablePatchSetWritesBitForBit() throws {
        let means = means()
        let model = try MAEModel(configuration: configuration, weights: configuration.initialWeights(seed: 4))
        let stream = RandomStream(seed: 6, name: "canvas")
        let canvas = (0..<3 * configuration.imageSize * configuration.imageSize).map { stream.unit(UInt64($0)) }
        for granularity in PatchVariables.Granularity.allCases {
            let space = PatchVariables(configuration: configuration, granularity: granularity)
            let variables = stride(from: 1, to: space.count, by: 3).map { $0 }
            let vectors = TaskVectors(
                task: "segmentation", variables: variables, granularity: granularity, means: means, meansFrom: nil,
                modelHash: "h",
                origin: "test")
            let direct = vectors.patchSet()
            let table = PatchSet(taskVectors: vectors.targets, means: means, mode: .zeroShot)
            XCTAssertEqual(direct.targets, table.targets, "granularity \(granularity)")
            XCTAssertGreaterThan(direct.count, 0)
            let out = try model.forward([
                MAESample(canvas: canvas, mode: .zeroShot, patches: direct),
                MAESample(canvas: canvas, mode: .zeroShot, patches: table),
                MAESample(canvas: canvas, mode: .zeroShot)
            ])
            XCTAssertEqual(out.logits(of: 0).values, out.logits(of: 1).values, "granularity \(granularity)")
            XCTAssertNotEqual(out.logits(of: 0).values, out.logits(of: 2).values, "the patches change the run")
        }
    }

    /// Into a one-shot run (the published code's `--zero_shot 0`) the vectors go to the one-shot
    /// tokens at the same canvas positions: the patch set equals the table patch set whose targets
    /// are those one-shot tokens, each taking the mean of its own position, bit for bit; an empty
    /// set leaves the one-shot run exactly as it is.
    func testIntoAOneShotRunTheVectorsPatchTheOneShotTokensOfTheSamePositions() throws {
        let means = means()
        let model = try MAEModel(configuration: configuration, weights: configuration.initialWeights(seed: 4))
        let stream = RandomStream(seed: 7, name: "canvas")
        let canvas = (0..<3 * configuration.imageSize * configuration.imageSize).map { stream.unit(UInt64($0)) }
        let half = configuration.grid * configuration.grid / 2
        for granularity in PatchVariables.Granularity.allCases {
            let space = PatchVariables(configuration: configuration, granularity: granularity)
            let variables = stride(from: 0, to: space.count, by: 4).map { $0 }
            let vectors = TaskVectors(
                task: "segmentation", variables: variables, granularity: granularity, means: means, meansFrom: nil,
                modelHash: "h",
                origin: "test")
            let oneShot = vectors.patchSet(for: .oneShot)
            let moved = vectors.targets.map {
                PatchSet.Target($0.stack, layer: $0.layer, head: $0.head, token: $0.token == 0 ? 0 : $0.token + half)
            }
            XCTAssertEqual(oneShot.targets, moved, "granularity \(granularity)")
            XCTAssertEqual(vectors.patchSet(for: .zeroShot).targets, vectors.targets)
            let table = PatchSet(taskVectors: moved, means: means, mode: .oneShot)
            var empty = vectors
            (empty.variables, empty.targets, empty.vectors) = ([], [], [])
            let out = try model.forward([
                MAESample(canvas: canvas, mode: .oneShot, patches: oneShot),
                MAESample(canvas: canvas, mode: .oneShot, patches: table),
                MAESample(canvas: canvas, mode: .oneShot),
                MAESample(canvas: canvas, mode: .oneShot, patches: empty.patchSet(for: .oneShot))
            ])
            XCTAssertEqual(out.logits(of: 0).values, out.logits(of: 1).values, "granularity \(granularity)")
            XCTAssertNotEqual(out.logits(of: 0).values, out.logits(of: 2).values, "the patches change the run")
            XCTAssertEqual(out.logits(of: 3).values, out.logits(of: 2).values, "an empty set changes nothing")
        }
    }
}
