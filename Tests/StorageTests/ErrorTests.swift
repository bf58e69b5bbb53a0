import Foundation
import Storage
import TestSupport
import XCTest

/// Each way a file can be wrong gives its own error, naming the file and the object.
final class ErrorTests: XCTestCase {
    var directory: URL!
    var sample: String!

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("storage-errors")
        sample = directory.appendingPathComponent("sample.h5").path
        let f = try HDF5File.create(sample)
        try f.root.write("weights/w", [Float](repeating: 1, count: 6), shape: [2, 3])
        try f.commit()
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func assertKind(
        _ expression: @autoclosure () throws -> Any, _ kind: HDF5Error.Kind,
        object: String? = nil, file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertThrowsError(try expression(), file: file, line: line) { error in
            guard let e = error as? HDF5Error else {
                return XCTFail("not an HDF5Error: \(error)", file: file, line: line)
            }
            XCTAssertEqual(e.kind, kind, file: file, line: line)
            if let object { XCTAssertEqual(e.object, object, file: file, line: line) }
            XCTAssertFalse(e.description.isEmpty)
        }
    }

    func testAMissingFileIsReportedAsNotFound() {
        assertKind(try HDF5File.open(directory.appendingPathComponent("nope.h5").path), .fileNotFound)
    }

    func testAMissingDatasetNamesItsPath() throws {
        let g = try HDF5File.open(sample).root
        assertKind(try g.read("weights/v", as: Float.self), .missingObject, object: "/weights/v")
        assertKind(try g.attribute("nothing", of: "weights/w"), .missingObject, object: "/weights/w@nothing")
    }

    func testAWrongElementTypeSaysWhatWasFound() throws {
        let g = try HDF5File.open(sample).root
        assertKind(try g.read("weights/w", as: Double.self), .wrongType(expected: "float64", found: "float32"))
        XCTAssertEqual(try g.readConverting("weights/w", as: Double.self).values, [Double](repeating: 1, count: 6))
    }

    func testAWrongShapeSaysWhatWasFound() throws {
        let g = try HDF5File.open(sample).root
        assertKind(try g.read("weights/w", as: Float.self, shape: [3, 2]), .wrongShape(expected: [3, 2], found: [2, 3]))
    }

    func testATruncatedFileIsCorrupted() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: sample))
        let truncated = directory.appendingPathComponent("truncated.h5")
        try data.prefix(data.count / 3).write(to: truncated)
        assertKind(
            try HDF5File.open(truncated.path),
            .corrupted(
                "it has \(data.count / 3 - 512) bytes after its header where vtv wrote \(data.count - 512): truncated or extended"
            ))
    }

    func testAForeignFileIsNotHDF5AndADestroyedSignatureIsCorruption() throws {
        let foreign = directory.appendingPathComponent("text.h5")
        try Data("this is not an HDF5 file".utf8).write(to: foreign)
        assertKind(try HDF5File.open(foreign.path), .notHDF5)
        var data = try Data(contentsOf: URL(fileURLWithPath: sample))
        for i in 512..<520 { data[i] = 0 } // HDF5's signature, after vtv's user block
        let corrupt = directory.appendingPathComponent("corrupt.h5")
        try data.write(to: corrupt)
        XCTAssertThrowsError(try HDF5File.open(corrupt.path)) { error in
            guard case .corrupted = (error as? HDF5Error)?.kind else { return XCTFail("\(error)") }
        }
    }

    func testValuesThatDoNotFillTheShapeAreRejected() throws {
        let f = try HDF5File.create(directory.appendingPathComponent("bad.h5").path)
        assertKind(
            try f.root.write("x", [Float(1), 2], shape: [3]),
            .invalidArgument("2 values do not fill shape [3]"))
        f.discard()
    }
}
