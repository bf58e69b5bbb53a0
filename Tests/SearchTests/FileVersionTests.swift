import Foundation
import Model
import Prompts
import Search
import Storage
import TestSupport
import XCTest

/// Every file kind is written with `FileHeader` and has its version checked on read: a file from a
/// newer vtv (a `version` above `FileKind.version`) is refused by the library's reader with a
/// message naming the file, its kind, its version and the highest this vtv reads; the file as
/// written (the current version) reads.
final class FileVersionTests: XCTestCase {
    var directory: URL!
    let configuration = ModelConfiguration.tiny

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("file-versions")
    }

    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    /// A small file of `kind`, written by the library.
    func write(_ kind: FileKind) throws -> String {
        let file = path("\(kind.rawValue).h5")
        let statistics = TaskStatistics(configuration: configuration)
        let activations = ActivationsFile(
            configuration: configuration, modelHash: "h", tasks: ["segmentation": statistics, "inpaint": statistics])
        switch kind {
        case .model:
            try ModelFile.write(configuration: configuration, weights: configuration.initialWeights(seed: 1), to: file)
        case .prompts:
            let source = try SyntheticPromptSource(
                seed: 3, role: "train", count: 1, layout: CanvasLayout(size: 32), sceneWidth: 40, sceneHeight: 30)
            let writer = try PromptsFileWriter(
                path: file, origin: source.origin, seed: 3, tasks: [.segmentation], layout: source.layout)
            try writer.write(0, record: try source.prompt(0), canvases: try source.canvases(0, tasks: [.segmentation]))
            try writer.commit()
        case .activations:
            try activations.write(to: file)
        case .scores:
            let taskness = try TasknessScores(
                activations: activations, tasks: ["segmentation", "inpaint"], granularity: .head)
            try ScoresFile(taskness, configuration: configuration, modelHash: "h").write(to: file)
        case .taskVectors:
            try TaskVectors(
                task: "segmentation", variables: [0], granularity: .head,
                means: statistics.means(configuration: configuration), meansFrom: statistics.provenance,
                modelHash: "h", origin: "test"
            ).write(to: file)
        case .searchCheckpoint:
            let settings = SearchSettings()
            try SearchCheckpoint.write(
                SearchState(variables: 3, settings: settings), settings: settings, modelHash: "h", tasks: ["t"],
                to: file)
        }
        return file
    }

    /// Reads `file` with the library's reader of `kind`.
    func read(_ kind: FileKind, _ file: String) throws {
        switch kind {
        case .model: _ = try ModelFile.read(file)
        case .prompts: _ = try PromptsFile(path: file)
        case .activations: _ = try ActivationsFile(path: file)
        case .scores: _ = try ScoresFile(path: file)
        case .taskVectors: _ = try TaskVectors(path: file)
        case .searchCheckpoint:
            _ = try SearchCheckpoint.read(file, settings: SearchSettings(), modelHash: "h", tasks: ["t"], variables: 3)
        }
    }

    /// Sets the root `version` attribute (the model file has none: it is added) and re-seals the file,
    /// so that its checksums pass as those of a file a newer vtv wrote.
    func setVersion(_ version: Int, of file: String) throws {
        let h5 = try HDF5File.open(file, writable: true)
        try h5.root.setAttribute("version", .int(version))
        try h5.commit()
    }

    func testEveryKindIsWrittenWithItsVersionAndReadsBack() throws {
        for kind in FileKind.allCases {
            let file = try write(kind)
            let header = try FileHeader(reading: try kind.open(file).root, kind: kind, path: file)
            XCTAssertEqual(header.version, kind.version, "\(kind)")
            XCTAssertEqual(header.modelHash, kind.recordsModel ? "h" : nil, "\(kind)")
            XCTAssertNoThrow(try read(kind, file), "\(kind)")
        }
    }

    func testAFileOfEveryKindFromANewerVtvIsRefusedNamingItsKindAndVersions() throws {
        for kind in FileKind.allCases {
            let file = try write(kind)
            let newer = kind.version + 2
            try setVersion(newer, of: file)
            XCTAssertThrowsError(try read(kind, file), "\(kind)") { error in
                XCTAssertEqual(
                    error as? FileKindError,
                    .newerVersion(path: file, kind: kind, version: newer, readable: kind.version), "\(kind): \(error)")
                XCTAssertTrue(
                    "\(error)".contains(
                        "\(file) was written by a newer vtv (\(kind.name) version \(newer); this vtv reads up to "
                            + "\(kind.version))"),
                    "\(error)")
            }
        }
    }

    func testTheCurrentVersionWrittenExplicitlyStillReads() throws {
        for kind in FileKind.allCases {
            let file = try write(kind)
            try setVersion(kind.version, of: file)
            XCTAssertNoThrow(try read(kind, file), "\(kind)")
        }
    }

    func testAVersionThatIsNoVersionNumberIsRefusedNamingTheFile() throws {
        let file = try write(.activations)
        let h5 = try HDF5File.open(file, writable: true)
        try h5.root.setAttribute("version", .string("2.0"))
        try h5.commit()
        XCTAssertThrowsError(try read(.activations, file)) {
            XCTAssertTrue("\($0)".contains("\(file) (a vtv activations file): its 'version' attribute is 2.0"), "\($0)")
        }
    }
}
