import Foundation
import Model
import Prompts
import Search
import Storage
import TestSupport
import XCTest

/// The task-vectors file records the prompts its vectors were averaged over (`means_sources`,
/// `means_classes`, `means_prompts`), reads them back, and refuses a partial or mistyped record.
final class TaskVectorsProvenanceTests: XCTestCase {
    private let configuration = ModelConfiguration.tiny

    private func taskVectors(_ meansFrom: PromptProvenance?) -> TaskVectors {
        let means = HeadOutputs(
            configuration: configuration, layout: TokenLayout(mode: .oneShot, grid: configuration.grid))
        return TaskVectors(
            task: "segmentation", variables: [1, 2], granularity: .headGroup, means: means, meansFrom: meansFrom,
            modelHash: "h", origin: "test")
    }

    func testTheProvenanceIsWrittenAndReadBackIncludingNoClasses() throws {
        let directory = try TestPaths.temporaryDirectory("tv-provenance")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tv.h5").path
        for provenance in [
            PromptProvenance(sources: ["synthetic:0:folds=2"], classes: [11, 12, 15], prompts: 24),
            PromptProvenance(sources: ["pairs:/data/x ray"], classes: [], prompts: 3),
            PromptProvenance(sources: ["synthetic:0", "voc:/d"], classes: [1, 20], prompts: 1)
        ] {
            try taskVectors(provenance).write(to: path)
            XCTAssertEqual(try TaskVectors(path: path).meansFrom, provenance)
            XCTAssertEqual(try HDF5File.open(path).root.attribute("means_prompts"), .int(provenance.prompts))
        }
        try taskVectors(nil).write(to: path)
        XCTAssertNil(try TaskVectors(path: path).meansFrom, "a file without the record reads as unknown")
        XCTAssertFalse(try HDF5File.open(path).root.hasAttribute("means_sources"))
    }

    func testAPartialOrMistypedRecordIsRefused() throws {
        let directory = try TestPaths.temporaryDirectory("tv-provenance-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tv.h5").path
        let recorded = PromptProvenance(sources: ["synthetic:0"], classes: [1], prompts: 2)
        // Each damage to a file written with `recorded` (or, nil, without a record).
        let damage: [(String, PromptProvenance?, (HDF5Group) throws -> Void)] = [
            (
                "without means_classes", nil,
                {
                    try $0.setAttribute("means_sources", .strings(["synthetic:0"]))
                    try $0.setAttribute("means_prompts", .int(2))
                }
            ),
            ("means_prompts negative", recorded, { try $0.setAttribute("means_prompts", .int(-1)) }),
            ("means_sources numbers", recorded, { try $0.setAttribute("means_sources", .ints([1])) }),
            ("means_classes strings", recorded, { try $0.setAttribute("means_classes", .string("1-5")) })
        ]
        for (what, base, change) in damage {
            try taskVectors(base).write(to: path)
            let file = try HDF5File.open(path, writable: true)
            try change(file.root)
            try file.commit()
            XCTAssertThrowsError(try TaskVectors(path: path), what) {
                XCTAssertTrue("\($0)".contains("means_"), "\(what): \($0)")
            }
        }
    }
}
