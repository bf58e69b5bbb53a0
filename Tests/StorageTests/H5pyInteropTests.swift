import Foundation
import Storage
import TestSupport
import XCTest

/// Our users read dumps with h5py and hand us files h5py wrote: both directions must work.
final class H5pyInteropTests: XCTestCase {
    func testTheFixtureWrittenByH5pyReadsWithItsConfigAndWeights() throws {
        let root = try HDF5File.open(TestPaths.fixtureH5).root
        // Values from the fixture's README: encoder width 64, 3 blocks, 4 heads; ch_mult (1,1,1,1,2).
        XCTAssertEqual(try root.attribute("enc_dim", of: "config"), .int(64))
        XCTAssertEqual(try root.attribute("enc_depth", of: "config"), .int(3))
        XCTAssertEqual(try root.attribute("vq_ch_mult", of: "config"), .ints([1, 1, 1, 1, 2]))
        XCTAssertEqual(try root.attribute("tasks", of: "config").stringValue?.contains("colorization"), true)
        XCTAssertEqual(try root.attribute("query", of: "prompts/0"), .string("2008_000001"))
        let qkv = try root.read("weights/blocks.0.attn.qkv.weight", as: Float.self, shape: [192, 64])
        XCTAssertTrue(qkv.values.contains { $0 != 0 })
        let pos = try root.read("weights/pos_embed", as: Float.self, shape: [1, 197, 64])
        XCTAssertEqual(pos.values.prefix(64).allSatisfy { $0 == 0 }, true, "row 0 (cls) of the sin-cos table is zero")
        let tokens = try root.read("prompts/0/segmentation/vqgan_tokens", as: Int64.self, shape: [196])
        XCTAssertTrue(tokens.values.allSatisfy { (0..<1024).contains($0) })
        XCTAssertEqual(try root.children("weights").count, 313)
    }

    func testH5pyReadsAFileOurStorageWrote() throws {
        guard let python = which("python3") else { return XCTFail("python3 is needed for the h5py check") }
        let directory = try TestPaths.temporaryDirectory("interop")
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ours.h5").path
        let f = try HDF5File.create(path)
        try f.root.write("floats", (0..<12).map { Float($0) * 0.5 }, shape: [3, 4])
        try f.root.write("group/doubles", [Double.pi, -2], shape: [2])
        try f.root.write("group/int32", [Int32(-7), 9], shape: [2, 1])
        try f.root.write("int64", [Int64(1) << 40], shape: [])
        try f.root.write("bytes", [UInt8](0..<6), shape: [2, 3], compression: .gzip(level: 6, rowsPerChunk: 1))
        try f.root.setAttribute("name", .string("vtv ✓"))
        try f.root.setAttribute("count", .int(3), on: "floats")
        try f.root.setAttribute("scale", .double(0.25), on: "floats")
        try f.root.setAttribute("tasks", .strings(["segmentation", "inpaint"]), on: "group")
        try f.root.setAttribute("dims", .ints([14, 14]), on: "group")
        try f.root.setAttribute("eps", .doubles([1e-6, 2]), on: "group")
        try f.commit()
        let script = TestPaths.packageRoot.appendingPathComponent("Tests/interop/check_storage.py").path
        let result = try runCommand(python, [script, path])
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stdout.contains("h5py read every value"), result.output)
    }
}
