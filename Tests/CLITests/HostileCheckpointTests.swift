import Foundation
import Storage
import TestSupport
import XCTest

/// `vtv model inspect` and `vtv model convert` on crafted checkpoints whose sizes no torch.save
/// output holds (zero, or near Int.max through stride-0 views of one float): each must end in
/// exit 1 with a message naming the file (and the tensor, where one is to blame), never in a trap.
final class HostileCheckpointTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws { directory = try TestPaths.temporaryDirectory("hostile") }
    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: directory) }

    /// Writes a legacy checkpoint of broadcast views and returns its path.
    func checkpoint(_ name: String, _ tensors: [(String, [Int])], strides: [String: [Int]] = [:]) throws -> String {
        let path = directory.appendingPathComponent(name).path
        let views = tensors.map { ($0.0, $0.1, strides[$0.0] ?? [Int](repeating: 0, count: $0.1.count)) }
        try Data(legacyBroadcastCheckpoint(views)).write(to: URL(fileURLWithPath: path))
        return path
    }

    func assertRefused(
        _ arguments: [String], mentioning needles: [String], file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let r = try runCommand(TestPaths.vtv, arguments)
        XCTAssertEqual(r.status, 1, r.output, file: file, line: line)
        XCTAssertTrue(r.stderr.hasPrefix("vtv: "), r.output, file: file, line: line)
        for needle in needles {
            XCTAssertTrue(r.stderr.contains(needle), "expected '\(needle)' in:\n\(r.output)", file: file, line: line)
        }
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: directory.appendingPathComponent("m.h5").path), file: file,
            line: line)
    }

    func convert(_ path: String, _ extra: [String] = []) -> [String] {
        ["model", "convert", "--mae", path, "--out", directory.appendingPathComponent("m.h5").path] + extra
    }

    /// The tensors configuration inference reads, shaped as the `tiny` preset, with `changes`.
    func tinyShapes(_ changes: [String: [Int]] = [:]) -> [(String, [Int])] {
        var shapes: [(String, [Int])] = [
            ("patch_embed.proj.weight", [64, 3, 16, 16]), ("pos_embed", [1, 197, 64]),
            ("blocks.0.norm1.weight", [64]), ("blocks.0.mlp.fc1.weight", [256, 64]),
            ("decoder_embed.weight", [32, 64]), ("decoder_blocks.0.norm1.weight", [32]),
            ("decoder_blocks.0.mlp.fc1.weight", [128, 32]), ("decoder_pred.weight", [64, 32]),
            ("vae.encoder.conv_in.weight", [32, 3, 3, 3]), ("vae.encoder.conv_out.weight", [32, 32, 3, 3]),
            ("vae.quant_conv.weight", [8, 32, 1, 1]), ("vae.quantize.embedding.weight", [64, 8])
        ]
        for level in 0..<5 { shapes.append(("vae.encoder.down.\(level).block.0.conv1.weight", [32, 32, 3, 3])) }
        return shapes.map { ($0.0, changes[$0.0] ?? $0.1) }
    }

    func testInspectRefusesElementCountsThatAddUpPastIntMax() throws {
        let path = try checkpoint("sum.pth", [("a", [1 << 62]), ("b", [1 << 62])])
        try assertRefused(["model", "inspect", path], mentioning: ["sum.pth", "'b'"])
    }

    func testInspectListsAnEmptyViewWhoseOtherSizesMultiplyPastIntMax() throws {
        let path = try checkpoint("empty.pth", [("empty", [0, 1 << 23, 1 << 40])], strides: ["empty": [1, 1 << 40, 1]])
        let r = try runCommand(TestPaths.vtv, ["model", "inspect", path])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("1 tensors, 0 elements"), r.output)
    }

    func testConvertRefusesAPositionTableWithoutRows() throws {
        // 0 rows made the grid side sqrt(-1), NaN, which Int() traps on.
        let path = try checkpoint("rows0.pth", tinyShapes(["pos_embed": [1, 0, 64]]))
        try assertRefused(convert(path), mentioning: ["rows0.pth", "'pos_embed'"])
    }

    func testConvertRefusesAPositionTableOfIntMaxRows() throws {
        // sqrt(Int.max - 1) rounds up, and its square overflows Int.
        let path = try checkpoint("rowsmax.pth", tinyShapes(["pos_embed": [1, Int.max, 1]]))
        try assertRefused(convert(path), mentioning: ["rowsmax.pth", "'pos_embed'"])
    }

    func testConvertRefusesAVQGANWithoutChannels() throws {
        // 0 base channels made the channel multipliers a division by zero.
        let path = try checkpoint("ch0.pth", tinyShapes(["vae.encoder.conv_in.weight": [0, 3, 3, 3]]))
        try assertRefused(convert(path), mentioning: ["ch0.pth", "'vae.encoder.conv_in.weight'"])
    }

    func testConvertRefusesBroadcastViewsThatRepeatMoreThanTheLimitIntoTheModel() throws {
        // The tiny model's tensors, every one a stride-0 view of one float, with 1400 encoder
        // blocks: about 70M values (over the 2^26 limit) from a file of a few MB. Every shape fits
        // the model, so only the bound stops `convert` writing a model file of hundreds of MB.
        let model = directory.appendingPathComponent("tiny.h5").path
        let made = try runCommand(TestPaths.vtv, ["model", "init", "--config", "tiny", "--out", model])
        XCTAssertEqual(made.status, 0, made.output)
        let weights = try HDF5File.open(model).root.group("weights")
        var tensors: [(String, [Int])] = []
        for name in try weights.children() {
            let shape = try weights.shape(of: name)
            tensors.append((name, shape))
            if name.hasPrefix("blocks.0.") {
                for layer in 3..<1400 {
                    tensors.append(("blocks.\(layer)." + name.dropFirst("blocks.0.".count), shape))
                }
            }
        }
        try FileManager.default.removeItem(atPath: model)
        let path = try checkpoint("repeated.pth", tensors)
        try assertRefused(convert(path), mentioning: ["repeated.pth", "broadcast"])
    }

    func testConvertRefusesAPatchSizeWhoseCanvasOverflows() throws {
        // grid 32 x patch 2^58 pixels overflows Int.
        let path = try checkpoint(
            "patch.pth",
            tinyShapes([
                "patch_embed.proj.weight": [1, 3, 1 << 58, 1],
                "pos_embed": [1, 1025, 1]
            ]))
        try assertRefused(convert(path, ["--heads", "1,1"]), mentioning: ["patch.pth", "'patch_embed.proj.weight'"])
    }
}

/// A legacy (pre-1.6) `torch.save` file `{"model": {name: view}}` whose tensors are views with
/// the given sizes and strides of one float32 storage; written byte by byte (the layout is in
/// Sources/TorchImport/LegacyFormat.swift), so no PyTorch is needed.
func legacyBroadcastCheckpoint(_ tensors: [(name: String, size: [Int], stride: [Int])]) -> [UInt8] {
    func string(_ text: String) -> [UInt8] { [0x8C, UInt8(text.utf8.count)] + Array(text.utf8) }
    func global(_ module: String, _ name: String) -> [UInt8] { [0x63] + Array("\(module)\n\(name)\n".utf8) }
    func int(_ value: Int) -> [UInt8] { [0x8A, 0x08] + withUnsafeBytes(of: Int64(value).littleEndian) { Array($0) } }
    let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]
    var out: [UInt8] = [0x80, 0x02, 0x8A, 0x0A] + magic + [0x2E] // the magic number
    out += [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E] // protocol 1001
    out += [0x80, 0x02, 0x7D, 0x2E] // sys info {}
    out += [0x80, 0x02, 0x7D] + string("model") + [0x7D, 0x28] // {'model': { MARK
    for t in tensors {
        out += string(t.name) + global("torch._utils", "_rebuild_tensor_v2") + [0x28, 0x28]
        out += string("storage") + global("torch", "FloatStorage") + string("0") + string("cpu") + int(1) + [0x74, 0x51]
        out += int(0) + [0x28] + t.size.flatMap(int) + [0x74] + [0x28] + t.stride.flatMap(int) + [0x74]
        out += [0x89, 0x4E, 0x74, 0x52] // False, None) REDUCE
    }
    out += [0x75, 0x73, 0x2E] // SETITEMS SETITEM STOP
    out += [0x80, 0x02, 0x5D, 0x28] + string("0") + [0x65, 0x2E] // storage keys ['0']
    out += withUnsafeBytes(of: Int64(1).littleEndian) { Array($0) }
    out += withUnsafeBytes(of: Float(1).bitPattern.littleEndian) { Array($0) }
    return out
}
