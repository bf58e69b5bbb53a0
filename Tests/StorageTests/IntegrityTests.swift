import Foundation
import TestSupport
import XCTest

@testable import Storage

/// Damage anywhere in a file vtv wrote is refused as corruption, never read as data (issue #25):
/// the whole-file checksum in the user block catches any changed or missing byte before HDF5 parses
/// the file; behind it, Fletcher32 catches damaged dataset values and the attribute checksum
/// damaged strings (both checked here with the whole-file checksum re-stamped, as if the damage
/// had happened before it was computed). A file locked by a writer is "locked", not damaged.
final class IntegrityTests: XCTestCase {
    var directory: URL!
    var sample: String!

    override func setUpWithError() throws {
        directory = try TestPaths.temporaryDirectory("storage-integrity")
        sample = directory.appendingPathComponent("sample.h5").path
        let f = try HDF5File.create(sample)
        try f.root.write("values", (0..<4000).map { Float($0) }, shape: [1000, 4])
        try f.root.write("empty", [Int32](), shape: [0, 3])
        try f.root.setAttribute("format", .string("vtv-sample"))
        try f.root.setAttribute("origin", .string("search: pixel reward, best policy at iteration 150"))
        try f.root.setAttribute("count", .int(1000))
        try f.commit()
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Everything the sample holds, read the way vtv's readers read.
    func readAll(_ path: String) throws {
        let root = try HDF5File.open(path).root
        _ = try root.read("values", as: Float.self, shape: [1000, 4])
        _ = try root.read("empty", as: Int32.self)
        for name in try root.attributeNames() { _ = try root.attribute(name) }
    }

    func assertCorrupted(_ path: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try readAll(path), what, file: file, line: line) { error in
            guard case .corrupted = (error as? HDF5Error)?.kind else {
                return XCTFail("\(what): \(error)", file: file, line: line)
            }
            XCTAssertTrue("\(error)".contains("corrupted"), "\(error)", file: file, line: line)
        }
    }

    func damaged(_ change: (inout [UInt8]) -> Void) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sample)))
        change(&bytes)
        let path = directory.appendingPathComponent("damaged-\(UUID().uuidString).h5").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testTheWrittenFileReadsBackAndCarriesItsChecksum() throws {
        XCTAssertNoThrow(try readAll(sample))
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: sample)))
        XCTAssertEqual(Array(bytes[0..<8]), Array("VTVSUM01".utf8))
    }

    func testAFlippedBitAnywhereAfterTheUserBlockIsRefusedAsCorruption() throws {
        let size = try Data(contentsOf: URL(fileURLWithPath: sample)).count
        for offset in stride(from: FileChecksum.blockSize, to: size, by: max(1, size / 150)) {
            let path = try damaged { $0[offset] ^= 0x10 }
            assertCorrupted(path, "a bit flipped at byte \(offset)")
            try FileManager.default.removeItem(atPath: path)
        }
    }

    func testATruncatedFileIsRefusedAsCorruption() throws {
        let size = try Data(contentsOf: URL(fileURLWithPath: sample)).count
        for keep in [size - 1, size / 2, 600] {
            assertCorrupted(try damaged { $0.removeLast($0.count - keep) }, "cut to \(keep) bytes")
        }
    }

    func testADamagedDatasetValueIsCaughtByItsFletcher32Checksum() throws {
        // The float 1234.0 (0x449A4000) is stored once, in /values; damage it, then re-stamp the
        // whole-file checksum so that only the dataset's own checksum stands between it and a reader.
        let path = try damaged { bytes in
            let pattern: [UInt8] = [0x00, 0x40, 0x9A, 0x44]
            let at = (0..<bytes.count - 4).first { Array(bytes[$0..<$0 + 4]) == pattern }!
            bytes[at + 2] ^= 0x01
        }
        try FileChecksum.stamp(path)
        assertCorrupted(path, "a damaged value with a fresh file checksum")
    }

    func testADamagedStringAttributeIsCaughtByTheAttributeChecksum() throws {
        let path = try damaged { bytes in
            let text = Array("best policy".utf8)
            let at = (0..<bytes.count - text.count).first { Array(bytes[$0..<$0 + text.count]) == text }!
            bytes[at] = UInt8(ascii: "B")
        }
        try FileChecksum.stamp(path)
        assertCorrupted(path, "a damaged string with a fresh file checksum")
    }

    func testAFileWithoutAChecksumIsReadUnverified() throws {
        // Older vtv files and files from h5py have no marker in their user block (or no user block).
        let path = try damaged { $0.replaceSubrange(0..<8, with: [UInt8](repeating: 0, count: 8)) }
        XCTAssertNoThrow(try readAll(path))
    }

    func testAFileAWriterHasLockedIsReportedAsLocked() throws {
        let descriptor = open(sample, O_RDWR)
        XCTAssertGreaterThanOrEqual(descriptor, 0)
        defer { close(descriptor) }
        XCTAssertEqual(flock(descriptor, LOCK_EX), 0)
        XCTAssertThrowsError(try HDF5File.open(sample)) { error in
            XCTAssertEqual((error as? HDF5Error)?.kind, .locked, "\(error)")
            XCTAssertTrue("\(error)".contains("locked"))
        }
    }

    func testHDF5ErrorStacksAreClassified() {
        XCTAssertEqual(
            HDF5Error.classify(
                "file write failed: time = x, filename = 'f', file descriptor = 3, errno = 28, "
                    + "error message = 'No space left on device'"), .diskFull)
        XCTAssertEqual(
            HDF5Error.classify("unable to lock file, errno = 11, error message = 'Resource temporarily unavailable'"),
            .locked)
        guard
            case .corrupted = HDF5Error.classify(
                "incorrect metadata checksum after all read attempts; unable to load object header")
        else {
            return XCTFail("a checksum failure is corruption")
        }
        XCTAssertNil(HDF5Error.classify("object 'x' doesn't exist"))
    }
}

/// Sizes read from a file are checked before anything is allocated: a dataspace of more values
/// than the machine's memory (here made by h5py, which stores no data for an unwritten chunked
/// dataset) is refused with a message, where a plain read would abort on the allocation.
final class HostileShapeTests: XCTestCase {
    func testADatasetLargerThanMemoryIsRefusedBeforeAllocating() throws {
        guard let python = which("python3") else { return XCTFail("python3 with h5py is needed to write the file") }
        let directory = try TestPaths.temporaryDirectory("hostile-shape")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("huge.h5").path
        let made = try runCommand(
            python,
            [
                "-c",
                """
                import h5py, sys
                with h5py.File(sys.argv[1], "w") as f:
                    f.create_dataset("x", shape=(1 << 40, 1 << 20), dtype="f4", chunks=(1, 1024))
                """, path
            ])
        XCTAssertEqual(made.status, 0, made.output)
        XCTAssertThrowsError(try HDF5File.open(path).root.read("x", as: Float.self)) { error in
            XCTAssertTrue("\(error)".contains("more than this machine's memory"), "\(error)")
        }
    }
}
