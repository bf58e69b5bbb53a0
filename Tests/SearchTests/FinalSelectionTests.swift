import Foundation
import Model
import Randomness
import Search
import Storage
import TestSupport
import XCTest

/// How a search's best policy becomes its final patch set (`--final threshold|sample`), and how the
/// task-vectors file records which rule was used.
final class FinalSelectionTests: XCTestCase {
    private let configuration = ModelConfiguration.tiny
    /// A policy over 64 variables with probabilities spread over (0, 1), including exact 0 (a
    /// variable outside the searched stacks) and 0.5.
    private let probabilities: [Double] = (0..<64).map { (v: Int) -> Double in
        if v == 5 { return 0 }
        if v == 9 { return 0.5 }
        return Double((v * 37) % 64) / 64 + 0.004
    }

    func testTheSampleIsOneBernoulliDrawPerVariableFromTheNamedStream() {
        // The hand-drawn sample: draw v of the stream "final patch set" under seed 3, as a 53-bit
        // uniform in [0, 1), below p_v.
        let stream = RandomStream(seed: 3, name: "final patch set")
        let expected = probabilities.indices.map { v in
            Double(stream.bits(UInt64(v)) >> 11) / 9_007_199_254_740_992 < probabilities[v]
        }
        let mask = FinalSelection.sample(seed: 3).mask(probabilities: probabilities)
        XCTAssertEqual(mask, expected)
        XCTAssertEqual(
            FinalSelection.sample(seed: 3).variables(probabilities: probabilities),
            expected.indices.filter { expected[$0] })
        XCTAssertFalse(mask[5], "p = 0 never enters")
        // The sample is a sample: it differs from the threshold here and between seeds.
        XCTAssertNotEqual(mask, FinalSelection.threshold.mask(probabilities: probabilities))
        XCTAssertNotEqual(mask, FinalSelection.sample(seed: 4).mask(probabilities: probabilities))
    }

    func testTheThresholdKeepsTheVariablesAboveOneHalf() {
        XCTAssertEqual(FinalSelection.threshold.variables(probabilities: [0.2, 0.5, 0.51, 0.9, 0]), [2, 3])
    }

    func testTheSampleFollowsTheProbabilitiesOverManySeeds() {
        // Over 400 seeds, variable v is on about p_v of the time (binomial, 5 standard deviations).
        let p: [Double] = [0.1, 0.5, 0.9]
        var on = [0, 0, 0]
        for seed in 0..<400 {
            for (v, bit) in FinalSelection.sample(seed: UInt64(seed)).mask(probabilities: p).enumerated() where bit {
                on[v] += 1
            }
        }
        for v in p.indices {
            XCTAssertEqual(
                Double(on[v]) / 400, p[v], accuracy: 5 * (p[v] * (1 - p[v]) / 400).squareRoot(), "variable \(v)")
        }
    }

    private func taskVectors(_ selection: FinalSelection?, policy: Bool) -> TaskVectors {
        let means = HeadOutputs(
            configuration: configuration, layout: TokenLayout(mode: .oneShot, grid: configuration.grid))
        let count = PatchVariables(configuration: configuration, granularity: .headGroup).count
        return TaskVectors(
            task: "segmentation", variables: [1, 2], granularity: .headGroup, means: means, meansFrom: nil,
            modelHash: "h",
            origin: "test", probabilities: policy ? [Double](repeating: 0.3, count: count) : nil,
            policyLogits: policy ? [Double](repeating: -0.8, count: count) : nil, finalSelection: selection)
    }

    func testTheRuleAndSeedAreWrittenAndReadBack() throws {
        let directory = try TestPaths.temporaryDirectory("final-selection")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tv.h5").path
        try taskVectors(.sample(seed: 17), policy: true).write(to: path)
        XCTAssertEqual(try HDF5File.open(path).root.attribute("final_selection"), .string("sample"))
        XCTAssertEqual(try TaskVectors(path: path).finalSelection, .sample(seed: 17))
        try taskVectors(.threshold, policy: true).write(to: path)
        XCTAssertEqual(try TaskVectors(path: path).finalSelection, .threshold)
        XCTAssertFalse(try HDF5File.open(path).root.hasAttribute("final_seed"), "a threshold has no seed")
    }

    func testASearchFileWrittenBeforeTheRuleWasRecordedReadsAsThreshold() throws {
        let directory = try TestPaths.temporaryDirectory("final-selection-old")
        defer { try? FileManager.default.removeItem(at: directory) }
        // Written without the attributes, as every search wrote its files before `--final` existed.
        let old = directory.appendingPathComponent("old.h5").path
        try taskVectors(nil, policy: true).write(to: old)
        XCTAssertFalse(try HDF5File.open(old).root.hasAttribute("final_selection"))
        XCTAssertEqual(try TaskVectors(path: old).finalSelection, .threshold)
        // Listed or top-k variables come from no policy: no rule at all.
        let listed = directory.appendingPathComponent("listed.h5").path
        try taskVectors(nil, policy: false).write(to: listed)
        XCTAssertNil(try TaskVectors(path: listed).finalSelection)
    }

    func testAnUnknownRuleOrASampleWithoutSeedIsRefused() throws {
        let directory = try TestPaths.temporaryDirectory("final-selection-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tv.h5").path
        for (rule, seed) in [("median", nil), ("sample", nil), ("sample", -1)] as [(String, Int?)] {
            try taskVectors(.threshold, policy: true).write(to: path)
            let file = try HDF5File.open(path, writable: true)
            try file.root.setAttribute("final_selection", .string(rule))
            if let seed { try file.root.setAttribute("final_seed", .int(seed)) }
            try file.commit()
            XCTAssertThrowsError(try TaskVectors(path: path), "\(rule) \(seed.map(String.init) ?? "no seed")") {
                XCTAssertTrue("\($0)".contains("final_"), "\($0)")
            }
        }
    }
}
