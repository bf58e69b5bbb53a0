import Foundation
import Model
import Storage
import TestSupport
import XCTest

@testable import Search

/// Task geometry (`TaskMeanCosines`, `PromptClustering`, `PrincipalComponents`) against direct
/// computations, and per-prompt outputs in activations files: written, read lazily, merged.
final class TaskGeometryTests: XCTestCase {
    private let configuration = ModelConfiguration.tiny
    private var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("geometry") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func testPrincipalComponentsRecoverKnownAxesAndVariances() {
        // Centred coordinates 3a along (1, 1, 0)/sqrt(2) and b along (0, 0, 1), a . b = 0, shifted.
        let a: [Double] = [1, -1, 1, -1], b: [Double] = [1, 1, -1, -1]
        let r2 = 2.0.squareRoot()
        var rows: [[Double]] = []
        for i in 0..<4 {
            let along: Double = 3 * a[i] / r2
            rows.append([5 + along, -2 + along, 7 + b[i]])
        }
        let pca = PrincipalComponents(rows: rows, components: 2)
        for i in 0..<4 {
            XCTAssertEqual(pca.coordinates[i][0], 3 * a[i], accuracy: 1e-12)
            XCTAssertEqual(pca.coordinates[i][1], b[i], accuracy: 1e-12)
        }
        XCTAssertEqual(pca.explained[0], 36.0 / 40, accuracy: 1e-12)
        XCTAssertEqual(pca.explained[1], 4.0 / 40, accuracy: 1e-12)
        // The same input gives the same bits.
        XCTAssertEqual(PrincipalComponents(rows: rows).coordinates, pca.coordinates)
    }

    func testJacobiDiagonalisesASymmetricMatrix() {
        var generator = SplitMix64Generator(seed: 3)
        let n = 7
        var m = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in i..<n {
                let x = Double.random(in: -1...1, using: &generator)
                m[i * n + j] = x
                m[j * n + i] = x
            }
        }
        let (values, vectors) = PrincipalComponents.jacobi(m, n: n)
        for k in 0..<n {
            for i in 0..<n {
                let av = (0..<n).reduce(0) { $0 + m[i * n + $1] * vectors[$1 * n + k] }
                XCTAssertEqual(av, values[k] * vectors[i * n + k], accuracy: 1e-10)
            }
        }
    }

    /// Random one-shot recordings: prompt `i` of task `t` (an all-zero recording where asked).
    private func recording(task t: Int, prompt i: Int, zero: Bool = false) -> HeadOutputs {
        var outputs = HeadOutputs(
            configuration: configuration, layout: TokenLayout(mode: .oneShot, grid: configuration.grid))
        guard !zero else { return outputs }
        var generator = SplitMix64Generator(seed: UInt64(t * 1000 + i))
        // A task-specific offset, so tasks differ, plus noise.
        outputs.encoder = outputs.encoder.indices.map {
            Float(t) * 0.3 * Float($0 % 5) + Float.random(in: -1...1, using: &generator)
        }
        outputs.decoder = outputs.decoder.indices.map { _ in
            Float(t - 1) * 0.2 + Float.random(in: -1...1, using: &generator)
        }
        return outputs
    }

    /// Writes an activations file of `recordings` (task name to its prompts' recordings), per-prompt
    /// outputs included when `perPrompt`; prompt names are "<file>/<task>/<i>".
    private func write(_ recordings: [String: [HeadOutputs]], name: String, perPrompt: Bool) throws -> String {
        let path = directory.appendingPathComponent(name).path
        var tasks: [String: TaskStatistics] = [:]
        for (task, list) in recordings {
            var statistics = TaskStatistics(configuration: configuration)
            for (i, r) in list.enumerated() { statistics.add(r, prompt: "\(name)/\(task)/\(i)") }
            tasks[task] = statistics
        }
        let file = try HDF5File.create(path)
        if perPrompt {
            for (task, list) in recordings {
                try PerPromptOutputs.create(
                    in: file.root, task: task, count: list.count, configuration: configuration, gzipLevel: nil)
                for (i, r) in list.enumerated() { try PerPromptOutputs.write(r, row: i, task: task, in: file.root) }
            }
        }
        try ActivationsFile(configuration: configuration, modelHash: "h", tasks: tasks).write(into: file)
        try file.commit()
        return path
    }

    private func cosine(_ x: [Double], _ y: [Double]) -> Double {
        let dot = zip(x, y).map(*).reduce(0, +)
        let nx = x.map { $0 * $0 }.reduce(0, +).squareRoot(), ny = y.map { $0 * $0 }.reduce(0, +).squareRoot()
        return nx > 0 && ny > 0 ? dot / (nx * ny) : 0
    }

    func testCosinesAndClusteringEqualPairByPairComputations() throws {
        let recordings = [
            "a": (0..<3).map { recording(task: 0, prompt: $0) },
            "b": [
                recording(task: 1, prompt: 0), recording(task: 1, prompt: 1, zero: true), recording(task: 1, prompt: 2)
            ],
            "c": [recording(task: 2, prompt: 0)]
        ]
        let path = try write(recordings, name: "A.h5", perPrompt: true)
        let activations = try ActivationsFile(path: path)
        XCTAssertEqual(activations.perPromptTasks, ["a", "b", "c"])
        let tasks = ["a", "b", "c"]
        let means = try TaskMeanCosines(activations: activations, tasks: tasks)
        let readers = try tasks.map { try PerPromptReader(activations, task: $0) }
        XCTAssertEqual(try readers[1].read(2), recordings["b"]![2], "a prompt reads back as written")
        let clustering = try PromptClustering(readers: readers)
        let units = HeadUnit.all(configuration)
        XCTAssertEqual(units.count, 3 * 4 + 2 * 4)
        for (u, unit) in units.enumerated() where u % 3 == 0 {
            func vector(_ r: HeadOutputs) -> [Double] {
                unit.vector(in: unit.stack == .encoder ? r.encoder : r.decoder, configuration: configuration)
            }
            for (x, a) in tasks.enumerated() {
                for (y, b) in tasks.enumerated() {
                    let meanA = vector(HeadOutputs.mean(of: recordings[a]!)),
                        meanB = vector(HeadOutputs.mean(of: recordings[b]!))
                    XCTAssertEqual(means.cosine(x, y, unit: u), cosine(meanA, meanB), accuracy: 1e-5)
                    var pairs: [Double] = []
                    for (i, p) in recordings[a]!.enumerated() {
                        for (j, q) in recordings[b]!.enumerated() where a != b || i != j {
                            pairs.append(cosine(vector(p), vector(q)))
                        }
                    }
                    let expected = pairs.isEmpty ? Double.nan : pairs.reduce(0, +) / Double(pairs.count)
                    if expected.isNaN {
                        XCTAssertTrue(clustering.cosine(x, y, unit: u).isNaN)
                    } else {
                        XCTAssertEqual(
                            clustering.cosine(x, y, unit: u), expected, accuracy: 1e-9, "\(unit.name) \(a) \(b)")
                    }
                }
            }
        }
        // Within: over tasks with two prompts or more (a and b); between: over the three pairs.
        XCTAssertEqual(
            clustering.within[4], (clustering.cosine(0, 0, unit: 4) + clustering.cosine(1, 1, unit: 4)) / 2,
            accuracy: 1e-12)
        XCTAssertEqual(
            clustering.between[4],
            (clustering.cosine(0, 1, unit: 4) + clustering.cosine(0, 2, unit: 4) + clustering.cosine(1, 2, unit: 4))
                / 3,
            accuracy: 1e-12)

        let projection = try PromptProjection(readers: readers, unit: units[5])
        XCTAssertEqual(projection.points.map(\.task), [0, 0, 0, 1, 1, 1, 2])
        XCTAssertEqual(projection.points.map(\.prompt), [0, 1, 2, 0, 1, 2, 0])
        let report = GeometryReport(
            activations: activations, means: means, clustering: clustering, projection: projection)
        XCTAssertNil(report.clustering!.pairCosines[2][2][0], "a task of one prompt has no within-task pair")
        XCTAssertEqual(report.projection!.points[4].identity, "A.h5/b/1")
        XCTAssertTrue(report.markdown.contains("within-task cosine"))
    }

    func testHeadNamesParseAndOutOfRangeHeadsAreRefused() throws {
        XCTAssertEqual(
            try HeadUnit(parsing: "decoder:1:3", configuration: configuration),
            HeadUnit(stack: .decoder, layer: 1, head: 3))
        for (text, phrase) in [
            ("decoder:2:0", "layers 0...1"), ("encoder:0:4", "heads 0...3"), ("mlp:0:0", "expected encoder:LAYER:HEAD")
        ] {
            XCTAssertThrowsError(try HeadUnit(parsing: text, configuration: configuration)) {
                XCTAssertTrue("\($0)".contains(phrase), "\($0)")
            }
        }
    }

    func testMergingKeepsPerPromptRowsInPromptOrderAndRefusesAMix() throws {
        let first = ["a": (0..<2).map { recording(task: 0, prompt: $0) }]
        let second = ["a": (2..<5).map { recording(task: 0, prompt: $0) }, "b": [recording(task: 1, prompt: 0)]]
        let merged = try ActivationsFile(path: try write(first, name: "1.h5", perPrompt: true))
            .merged(with: try ActivationsFile(path: try write(second, name: "2.h5", perPrompt: true)))
        let out = directory.appendingPathComponent("merged.h5").path
        try merged.write(to: out)
        let back = try ActivationsFile(path: out)
        XCTAssertEqual(back.perPromptTasks, ["a", "b"])
        let reader = try PerPromptReader(back, task: "a")
        XCTAssertEqual(try (0..<5).map { try reader.read($0) }, (0..<5).map { recording(task: 0, prompt: $0) })
        XCTAssertEqual(back.tasks["a"]!.prompts, ["1.h5/a/0", "1.h5/a/1", "2.h5/a/0", "2.h5/a/1", "2.h5/a/2"])

        let without = try ActivationsFile(path: try write(second, name: "3.h5", perPrompt: false))
        XCTAssertEqual(without.perPromptTasks, [])
        XCTAssertThrowsError(
            try ActivationsFile(path: try write(first, name: "4.h5", perPrompt: true)).merged(
                with: without, names: ("X", "Y"))
        ) {
            XCTAssertTrue("\($0)".contains("task 'a' has every prompt's head outputs in X"), "\($0)")
            XCTAssertTrue("\($0)".contains("collect Y with --per-prompt"), "\($0)")
        }
    }

    func testIncompletePerPromptOutputsAreRefused() throws {
        let path = try write(["a": [recording(task: 0, prompt: 0)]], name: "bad.h5", perPrompt: true)
        let file = try HDF5File.open(path, writable: true)
        try file.root.remove("tasks/a/prompt_decoder")
        try file.commit()
        XCTAssertThrowsError(try ActivationsFile(path: path)) {
            XCTAssertTrue("\($0)".contains("are incomplete"), "\($0)")
        }
    }
}

/// A seeded generator for test data.
private struct SplitMix64Generator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
