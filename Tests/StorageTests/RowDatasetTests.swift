import Foundation
import Storage
import TestSupport
import XCTest

/// Row datasets (`createRowDataset`, `writeRow`, `readRow`): one chunk per row, written and read one
/// row at a time, unwritten rows zero, bad rows refused.
final class RowDatasetTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("rows") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    private func row(_ i: Int) -> [Float] { (0..<12).map { Float(i * 100 + $0) * 0.5 } }

    func testRowsWrittenOneAtATimeReadBackWholeAndOneAtATime() throws {
        for gzip in [nil, 4] as [Int?] {
            let path = directory.appendingPathComponent("rows-\(gzip ?? -1).h5").path
            let file = try HDF5File.create(path)
            try file.root.createRowDataset("g/d", of: Float.self, shape: [4, 3, 4], gzipLevel: gzip)
            for i in [2, 0, 1] { try file.root.writeRow("g/d", row: i, row(i)) }
            try file.commit()
            let root = try HDF5File.open(path).root
            XCTAssertEqual(
                try root.read("g/d", as: Float.self).values, row(0) + row(1) + row(2) + Array(repeating: 0, count: 12))
            for i in 0..<3 {
                let read = try root.readRow("g/d", row: i, as: Float.self)
                XCTAssertEqual(read.shape, [3, 4])
                XCTAssertEqual(read.values, row(i))
            }
        }
    }

    func testBadRowsShapesAndTypesAreRefused() throws {
        let file = try HDF5File.create(directory.appendingPathComponent("bad.h5").path)
        defer { file.discard() }
        XCTAssertThrowsError(try file.root.createRowDataset("e", of: Float.self, shape: [0, 3])) {
            XCTAssertTrue("\($0)".contains("a row dataset needs rows"), "\($0)")
        }
        try file.root.createRowDataset("d", of: Float.self, shape: [2, 3])
        XCTAssertThrowsError(try file.root.writeRow("d", row: 2, [Float](repeating: 1, count: 3))) {
            XCTAssertTrue("\($0)".contains("row 2 is outside the 2 rows"), "\($0)")
        }
        XCTAssertThrowsError(try file.root.writeRow("d", row: 0, [Float](repeating: 1, count: 4))) {
            XCTAssertTrue("\($0)".contains("4 values do not fill a row"), "\($0)")
        }
        XCTAssertThrowsError(try file.root.readRow("d", row: 0, as: Double.self)) {
            XCTAssertTrue("\($0)".contains("float64"), "\($0)")
        }
    }
}
