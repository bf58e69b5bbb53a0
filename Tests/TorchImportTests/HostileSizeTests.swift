import Foundation
import XCTest

@testable import TorchImport

/// Sizes a crafted file can claim but no torch.save output holds: every arithmetic on them must
/// end in a TorchImportError naming the file, never in an overflow trap or a stack overflow.
/// The files are legacy checkpoints whose tensors are views of one float (a stride-0 view may
/// claim any size without the file holding its elements).
final class HostileSizeTests: XCTestCase {
    func testAnEmptyViewWhoseOtherSizesMultiplyPastIntMaxIsReadAsEmptyAndContiguous() throws {
        // Size [0, 2^23, 2^40] with row-major strides: 0 elements, but 2^23 * 2^40 overflows Int,
        // which the contiguity check used to compute. PyTorch calls an empty tensor contiguous.
        let file = broadcastCheckpoint([("empty", [0, 1 << 23, 1 << 40], [1, 1 << 40, 1])])
        let tensor = try XCTUnwrap(openInMemory(file).stateDict().first?.tensor)
        XCTAssertEqual(tensor.count, 0)
        XCTAssertTrue(tensor.isContiguous)
        XCTAssertEqual(try tensor.floats(), [])
    }

    func testABroadcastViewOfMoreElementsThanIntHoldsIsOutOfBounds() {
        // [2^40, 2^40] with stride [0, 0] over one float: 2^80 elements.
        let file = broadcastCheckpoint([("huge", [1 << 40, 1 << 40], [0, 0])])
        XCTAssertEqual(importErrorKind { try openInMemory(file) }, .storageOutOfBounds)
    }

    func testElementCountsThatAddUpPastIntMaxAreAnImplausibleSizeNamingTheTensor() throws {
        // Two views of 2^62 elements each: each count fits, their sum does not.
        let checkpoint = try openInMemory(
            broadcastCheckpoint([("a", [1 << 62], [0]), ("b", [1 << 62], [0])]), name: "sum.pth")
        XCTAssertEqual(try checkpoint.elementCount(of: [("a", try checkpoint.stateDict()[0].tensor)]), 1 << 62)
        XCTAssertThrowsError(try checkpoint.elementCount(of: try checkpoint.stateDict())) { error in
            let error = error as? TorchImportError
            XCTAssertEqual(error?.kind, .implausibleSize)
            XCTAssertEqual(error?.file, "sum.pth")
            XCTAssertTrue(error?.detail.contains("'b'") == true, error?.description ?? "")
        }
    }

    func testTensorRebuildsNestedDeeplyAreRefusedWithoutExhaustingTheStack() {
        // _rebuild_from_type_v2(_rebuild_from_type_v2, None, (_rebuild_from_type_v2, None, (...)))
        // 100 000 levels deep: each level makes the reader interpret the next one.
        let rebuild = pickleGlobal("torch._tensor", "_rebuild_from_type_v2")
        var pickle: [UInt8] = [0x80, 0x02] + rebuild + [0x71, 0x00, 0x29, 0x71, 0x01] // memo 0: global, 1: ()
        for _ in 0..<100_000 {
            pickle += [0x30, 0x28, 0x68, 0x00, 0x68, 0x00, 0x68, 0x01, 0x74, 0x71, 0x01] // POP (g g prev) BINPUT 1
        }
        pickle += [0x30, 0x68, 0x00, 0x68, 0x01, 0x52, 0x2E] // POP, g(*chain) STOP
        XCTAssertEqual(importErrorKind { try openInMemory(legacyCheckpoint(objectPickle: pickle)) }, .malformedPickle)
    }
}

/// A legacy checkpoint `{"model": {name: view}}` whose tensors are views with the given sizes and
/// strides of one float32 storage holding 1.0.
func broadcastCheckpoint(_ tensors: [(name: String, size: [Int], stride: [Int])]) -> [UInt8] {
    var pickle: [UInt8] = [0x80, 0x02, 0x7D] + pickleString("model") + [0x7D, 0x28] // {} 'model' {} MARK
    for t in tensors {
        pickle += pickleString(t.name) + pickleGlobal("torch._utils", "_rebuild_tensor_v2") + [0x28, 0x28]
        pickle += pickleString("storage") + pickleGlobal("torch", "FloatStorage") + pickleString("0")
        pickle += pickleString("cpu") + pickleInt(1) + [0x74, 0x51] // ('storage', ..., 1) BINPERSID
        pickle += pickleInt(0) + [0x28] + t.size.flatMap(pickleInt) + [0x74] // offset, (size...)
        // (stride...), False, None) REDUCE
        pickle += [0x28] + t.stride.flatMap(pickleInt) + [0x74, 0x89, 0x4E, 0x74, 0x52]
    }
    pickle += [0x75, 0x73, 0x2E] // SETITEMS SETITEM STOP
    let one = withUnsafeBytes(of: Float(1).bitPattern.littleEndian) { Array($0) }
    return legacyCheckpoint(objectPickle: pickle, storages: [("0", one, 4)])
}

/// LONG1 of `value`: 8 bytes of little-endian two's complement.
func pickleInt(_ value: Int) -> [UInt8] {
    [0x8A, 0x08] + withUnsafeBytes(of: Int64(value).littleEndian) { Array($0) }
}
