import Foundation
import Storage
import TestSupport
import XCTest

/// Values written by Storage come back identical, for every element type, shape and attribute kind.
final class RoundTripTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("storage") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

    func roundTrip<T: HDF5Element & Equatable>(
        _ values: [T], shape: [Int], compression: HDF5Compression = .none,
        file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let p = path("rt-\(T.self)-\(shape.count)-\(UUID().uuidString.prefix(4)).h5")
        let f = try HDF5File.create(p)
        try f.root.write("group/inner/data", values, shape: shape, compression: compression)
        try f.commit()
        let back = try HDF5File.open(p).root.read("group/inner/data", as: T.self, shape: shape)
        XCTAssertEqual(back.shape, shape, file: file, line: line)
        XCTAssertEqual(back.values, values, file: file, line: line)
    }

    func testEveryElementTypeRoundTripsExactly() throws {
        try roundTrip([Float(1.5), -0, .greatestFiniteMagnitude, .leastNonzeroMagnitude, 3, 4], shape: [2, 3])
        try roundTrip([Double.pi, -1e300, 0], shape: [3])
        try roundTrip([Int32.min, 0, Int32.max, 7], shape: [2, 2])
        try roundTrip([Int64.min, Int64.max], shape: [2])
        try roundTrip([UInt8](0...255), shape: [4, 8, 8])
    }

    func testScalarAndEmptyShapesRoundTrip() throws {
        try roundTrip([Float(42)], shape: [])
        try roundTrip([Double](), shape: [0, 5])
    }

    func testGzipChunkedDatasetsRoundTrip() throws {
        let values = (0..<10_000).map { Float($0 % 97) * 0.5 }
        try roundTrip(values, shape: [100, 100], compression: .gzip(level: 4, rowsPerChunk: 7))
    }

    func testAttributesOfEveryKindRoundTrip() throws {
        let p = path("attrs.h5")
        let f = try HDF5File.create(p)
        try f.root.write("d", [Float(1)], shape: [1])
        let attributes: [String: HDF5Attribute] = [
            "s": .string("héllo wörld"), "i": .int(-12_345_678_901), "x": .double(2.5e-7),
            "ss": .strings(["a", "", "ccc"]), "ii": .ints([1, 2, 3]), "xx": .doubles([0.25, -4])
        ]
        for (k, v) in attributes {
            try f.root.setAttribute(k, v, on: "d")
            try f.root.setAttribute(k, v)
        }
        try f.root.setAttribute("i", .int(7)) // replacing an attribute keeps only the new value
        try f.commit()
        let g = try HDF5File.open(p).root
        for (k, v) in attributes {
            XCTAssertEqual(try g.attribute(k, of: "d"), v, k)
        }
        XCTAssertEqual(try g.attribute("i"), .int(7))
        XCTAssertEqual(try g.attributeNames(of: "d"), ["i", "ii", "s", "ss", "x", "xx"])
    }

    func testChildrenAreListedAndExistenceIsChecked() throws {
        let p = path("tree.h5")
        let f = try HDF5File.create(p)
        try f.root.createGroup("b/c")
        try f.root.write("a", [Int32(1)], shape: [1])
        try f.root.write("b/d", [Int32(1)], shape: [1])
        try f.commit()
        let g = try HDF5File.open(p).root
        XCTAssertEqual(try g.children(), ["a", "b"])
        XCTAssertEqual(try g.children("b"), ["c", "d"])
        XCTAssertTrue(g.exists("b/c"))
        XCTAssertFalse(g.exists("b/x/y"))
        XCTAssertTrue(g.isDataset("b/d"))
        XCTAssertFalse(g.isDataset("b/c"))
        XCTAssertEqual(try g.group("b").children(), ["c", "d"])
    }

    func testACreatedFileAppearsOnlyAfterCommit() throws {
        let p = path("atomic.h5")
        do {
            let f = try HDF5File.create(p)
            try f.root.write("x", [Float(1)], shape: [1])
            XCTAssertFalse(FileManager.default.fileExists(atPath: p))
            f.discard()
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: p))
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: directory.path), [],
            "a discarded file leaves no temporary behind")
        let f = try HDF5File.create(p)
        try f.root.write("x", [Float(1)], shape: [1])
        try f.commit()
        XCTAssertTrue(FileManager.default.fileExists(atPath: p))
    }
}
