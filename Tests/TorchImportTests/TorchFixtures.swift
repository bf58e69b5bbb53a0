import Foundation
import TestSupport
import XCTest

@testable import TorchImport

/// The checkpoints and expected values written by tools/fixtures/make_torch_variants.py.
/// expected.json holds what PyTorch reads from each file (for the official-small checkpoints the
/// generator also asserts that these equal fixture.h5 /weights).
enum TorchFixtures {
    static let directory = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/torch")

    static func path(_ name: String) -> String {
        if ["checkpoint.pth", "checkpoint_without_vae.pth", "vqgan.ckpt"].contains(name) {
            return TestPaths.officialSmall.appendingPathComponent(name).path
        }
        return directory.appendingPathComponent(name).path
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    struct File: Decodable {
        let stateDictKey: String?
        let topKeys: [String]
        let tensors: [Tensor]

        /// The fixture JSON's keys (written by tools/fixtures, Python names).
        enum CodingKeys: String, CodingKey {
            case stateDictKey = "state_dict_key"
            case topKeys = "top_keys"
            case tensors
        }
    }

    struct Tensor: Decodable {
        let name: String
        let dtype: String
        let shape: [Int]
        let stride: [Int]
        let offset: Int
        let sum: Double
        let weighted: Double
        let first: [Double]
        let values: [Double]?
    }

    static let expected: [String: File] = {
        struct Root: Decodable { let files: [String: File] }
        let url = directory.appendingPathComponent("expected.json")
        guard let data = try? Data(contentsOf: url), let root = try? JSONDecoder().decode(Root.self, from: data) else {
            return [:]
        }
        return root.files
    }()
}

/// The generator's position-weighted sum: sum_i x[i] * ((i * 7919) % 101 + 1) / 101.
func weightedSum(_ x: [Float]) -> Double {
    var total = 0.0
    for (i, v) in x.enumerated() { total += Double(v) * (Double((i * 7919) % 101 + 1) / 101.0) }
    return total
}

/// Checks a tensor's layout and values against what PyTorch read from the same file.
func assertMatches(
    _ tensor: TorchTensor, _ expected: TorchFixtures.Tensor, in file: String,
    line: UInt = #line
) throws {
    let what = "\(file) '\(expected.name)'"
    XCTAssertEqual(tensor.dtype.rawValue, expected.dtype, what, line: line)
    XCTAssertEqual(tensor.shape, expected.shape, what, line: line)
    XCTAssertEqual(tensor.strides, expected.stride, what, line: line)
    XCTAssertEqual(tensor.storageOffset, expected.offset, what, line: line)
    let values = try tensor.floats()
    XCTAssertEqual(values.count, expected.shape.reduce(1, *), what, line: line)
    XCTAssertEqual(values.prefix(8).map(Double.init), expected.first, what, line: line)
    if let all = expected.values { XCTAssertEqual(values.map(Double.init), all, what, line: line) }
    // Sums in float64 of float32 values differ only by summation order.
    let scale = values.reduce(0.0) { $0 + abs(Double($1)) } + 1
    XCTAssertEqual(values.reduce(0.0) { $0 + Double($1) }, expected.sum, accuracy: 1e-12 * scale, what, line: line)
    XCTAssertEqual(weightedSum(values), expected.weighted, accuracy: 1e-12 * scale, what, line: line)
}

/// Opens a checkpoint held in memory, as `TorchCheckpoint(path:)` would open the same bytes.
func openInMemory(_ bytes: [UInt8], name: String = "in-memory.pth") throws -> TorchCheckpoint {
    try TorchCheckpoint(file: MappedFile(contents: bytes, name: name))
}

/// The kind of TorchImportError that `body` throws, or nil (with a failure) if it throws nothing
/// or another error type.
func importErrorKind<T>(_ body: () throws -> T, line: UInt = #line) -> TorchImportError.Kind? {
    do {
        _ = try body()
        XCTFail("expected a TorchImportError", line: line)
    } catch let error as TorchImportError {
        return error.kind
    } catch {
        XCTFail("expected a TorchImportError, got \(error)", line: line)
    }
    return nil
}

/// A legacy-format checkpoint around a hand-written object pickle, for testing the unpickler
/// on programs that torch.save would never write.
/// objectPickle: the pickle bytes including PROTO and STOP; storages: (key, raw bytes) in key order.
func legacyCheckpoint(objectPickle: [UInt8], storages: [(key: String, bytes: [UInt8], elementSize: Int)] = [])
    -> [UInt8]
{
    var out: [UInt8] = [0x80, 0x02, 0x8A, 0x0A] + LegacyFormat.magic + [0x2E]
    out += [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E] // 1001
    out += [0x80, 0x02, 0x7D, 0x2E] // {}
    out += objectPickle
    out += [0x80, 0x02, 0x5D, 0x28] // [ MARK
    for s in storages { out += pickleString(s.key) }
    out += [0x65, 0x2E] // APPENDS STOP
    for s in storages {
        withUnsafeBytes(of: Int64(s.bytes.count / s.elementSize).littleEndian) { out += $0 }
        out += s.bytes
    }
    return out
}

/// SHORT_BINUNICODE of `text` (under 256 bytes).
func pickleString(_ text: String) -> [UInt8] {
    [0x8C, UInt8(text.utf8.count)] + Array(text.utf8)
}

/// GLOBAL "module\nname\n".
func pickleGlobal(_ module: String, _ name: String) -> [UInt8] {
    [0x63] + Array("\(module)\n\(name)\n".utf8)
}
