import Foundation
import TestSupport
import XCTest

@testable import TorchImport

/// Inputs a user can hand the converter by mistake; each must fail with its own error kind,
/// naming the file.
final class MalformedInputTests: XCTestCase {
    func testAZipCheckpointCutShortIsReportedAsATruncatedZip() throws {
        let whole = try TorchFixtures.bytes("checkpoint_without_vae.pth")
        for length in [whole.count - 1, whole.count - 22, whole.count / 2, 100] {
            XCTAssertEqual(
                importErrorKind { try openInMemory(Array(whole.prefix(length))) }, .truncatedZip, "cut at \(length)")
        }
    }

    func testALegacyCheckpointCutShortIsReportedAsATruncatedLegacyFile() throws {
        let whole = try TorchFixtures.bytes("without_vae_legacy.pth")
        // Inside the magic number, the sys info, the object pickle, and the raw storages.
        for length in [9, 40, 2000, whole.count / 2, whole.count - 1] {
            XCTAssertEqual(
                importErrorKind { try openInMemory(Array(whole.prefix(length))) }, .truncatedLegacyFile,
                "cut at \(length)")
        }
    }

    func testFilesThatAreNotCheckpointsAreRejectedAsSuch() throws {
        let png = try XCTUnwrap(
            FileManager.default.enumerator(atPath: TestPaths.officialSmall.appendingPathComponent("voc").path)?
                .compactMap { $0 as? String }.first { $0.hasSuffix(".png") })
        let pngPath = TestPaths.officialSmall.appendingPathComponent("voc").appendingPathComponent(png).path
        for path in [pngPath, TestPaths.officialSmall.appendingPathComponent("README.md").path, TestPaths.fixtureH5] {
            do {
                _ = try TorchCheckpoint(path: path)
                XCTFail("\(path) was accepted")
            } catch let error as TorchImportError {
                XCTAssertEqual(error.kind, .notPyTorchFile, path)
                XCTAssertEqual(error.file, path)
                XCTAssertTrue(error.description.hasPrefix(path + ": not a PyTorch checkpoint"), error.description)
            }
        }
        XCTAssertEqual(importErrorKind { try openInMemory([]) }, .notPyTorchFile)
        // A valid pickle of the int 5: a pickle, but not torch.save's magic number first.
        XCTAssertEqual(importErrorKind { try openInMemory([0x80, 0x02, 0x4B, 0x05, 0x2E]) }, .notPyTorchFile)
    }

    func testAMissingFileCannotBeOpened() {
        XCTAssertEqual(importErrorKind { try TorchCheckpoint(path: "/nonexistent/model.pth") }, .cannotOpen)
    }

    func testAGlobalCalledWhereATensorBelongsIsRefusedWithoutBeingCalled() throws {
        // unknown_global.pth: {"model": {"weight": ones(2), "bad": <pickled as builtins.print(...)>}}.
        let checkpoint = try TorchCheckpoint(path: TorchFixtures.path("unknown_global.pth"))
        guard case .object(let bad)? = checkpoint.object["model"]?["bad"] else { return XCTFail("'bad' is not opaque") }
        XCTAssertEqual(bad.type, "builtins.print")
        XCTAssertThrowsError(try checkpoint.stateDict()) { error in
            let error = error as? TorchImportError
            XCTAssertEqual(error?.kind, .unknownGlobal)
            XCTAssertTrue(
                error?.detail.contains("'bad'") == true && error?.detail.contains("builtins.print") == true,
                error?.description ?? "")
        }
    }

    func testAStorageBuiltByAnUnknownGlobalIsRefused() {
        // _rebuild_tensor_v2(os.getcwd(), 0, (1,), (1,)): the storage slot holds an unknown call.
        var pickle: [UInt8] = [0x80, 0x02] + pickleGlobal("torch._utils", "_rebuild_tensor_v2") + [0x28]
        pickle += pickleGlobal("os", "getcwd") + [0x29, 0x52] // os.getcwd()
        pickle += [0x4B, 0x00, 0x4B, 0x01, 0x85, 0x4B, 0x01, 0x85, 0x74, 0x52, 0x2E]
        XCTAssertEqual(importErrorKind { try openInMemory(legacyCheckpoint(objectPickle: pickle)) }, .unknownGlobal)
    }

    func testACompressedArchiveIsRefusedBecauseStoragesAreReadInPlace() {
        XCTAssertEqual(
            importErrorKind { try TorchCheckpoint(path: TorchFixtures.path("views_deflated.pth")) }, .compressedEntry)
    }

    func testAStorageRecordShorterThanItsElementsIsOutOfBounds() {
        XCTAssertEqual(
            importErrorKind { try TorchCheckpoint(path: TorchFixtures.path("views_short_storage.pth")) },
            .storageOutOfBounds)
    }

    func testATensorViewReachingPastItsStorageIsOutOfBounds() {
        // _rebuild_tensor_v2(storage('0', 4 floats), offset 2, size (3,), stride (1,)) needs element 4.
        var pickle: [UInt8] = [0x80, 0x02] + pickleGlobal("torch._utils", "_rebuild_tensor_v2") + [0x28, 0x28]
        pickle += pickleString("storage") + pickleGlobal("torch", "FloatStorage") + pickleString("0")
        pickle += pickleString("cpu") + [0x4B, 0x04, 0x74, 0x51] // ('storage', ..., 4) BINPERSID
        pickle += [0x4B, 0x02, 0x4B, 0x03, 0x85, 0x4B, 0x01, 0x85, 0x74, 0x52, 0x2E]
        let file = legacyCheckpoint(objectPickle: pickle, storages: [("0", [UInt8](repeating: 0, count: 16), 4)])
        XCTAssertEqual(importErrorKind { try openInMemory(file) }, .storageOutOfBounds)
    }

    func testAHandWrittenLegacyTensorReadsItsStorage() throws {
        // The same program with offset 1: elements 1...3 of [1, 2, 3, 4].
        var pickle: [UInt8] = [0x80, 0x02] + pickleGlobal("torch._utils", "_rebuild_tensor_v2") + [0x28, 0x28]
        pickle += pickleString("storage") + pickleGlobal("torch", "FloatStorage") + pickleString("0")
        pickle += pickleString("cpu") + [0x4B, 0x04, 0x74, 0x51]
        pickle += [0x4B, 0x01, 0x4B, 0x03, 0x85, 0x4B, 0x01, 0x85, 0x74, 0x52, 0x2E]
        let storage = [Float(1), 2, 3, 4].flatMap { value in
            withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        }
        let checkpoint = try openInMemory(legacyCheckpoint(objectPickle: pickle, storages: [("0", storage, 4)]))
        XCTAssertEqual(try checkpoint.object.tensorValue?.floats(), [2, 3, 4])
    }
}

/// The pickle machine on programs torch.save never writes but a hostile file could.
final class UnpicklerTests: XCTestCase {
    func testCallsOfUnknownGlobalsAreRecordedNeverRun() throws {
        // os.system("echo pwned")
        let pickle: [UInt8] =
            [0x80, 0x02] + pickleGlobal("os", "system") + pickleString("echo pwned") + [0x85, 0x52, 0x2E]
        guard case .object(let call) = try openInMemory(legacyCheckpoint(objectPickle: pickle)).object else {
            return XCTFail("not recorded as an object")
        }
        XCTAssertEqual(call.type, "os.system")
        XCTAssertEqual(call.arguments.first?.stringValue, "echo pwned")
    }

    func testAContainerMutatedAfterBeingMemoizedIsSharedWithTheMemo() throws {
        // [] BINPUT 0, 5 APPEND, POP, BINGET 0: the memo must see the appended 5.
        let pickle: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x4B, 0x05, 0x61, 0x30, 0x68, 0x00, 0x2E]
        guard case .list(let items) = try openInMemory(legacyCheckpoint(objectPickle: pickle)).object,
            items.count == 1, case .int(5) = items[0]
        else { return XCTFail("memo lost the APPEND") }
    }

    func testAListContainingItselfIsCutAtTheCycle() throws {
        // [] BINPUT 0, BINGET 0, APPEND: l = []; l.append(l)
        let pickle: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00, 0x68, 0x00, 0x61, 0x2E]
        guard case .list(let items) = try openInMemory(legacyCheckpoint(objectPickle: pickle)).object,
            case .object(let cut) = items.first
        else { return XCTFail("cycle not cut") }
        XCTAssertEqual(cut.type, "<recursive reference>")
    }

    func testDeepNestingIsRefusedWithoutExhaustingTheStack() {
        let depth = 100_000
        let pickle: [UInt8] =
            [0x80, 0x02] + [UInt8](repeating: 0x5D, count: depth)
            + [UInt8](repeating: 0x61, count: depth - 1) + [0x2E]
        XCTAssertEqual(importErrorKind { try openInMemory(legacyCheckpoint(objectPickle: pickle)) }, .malformedPickle)
    }

    func testSharedSubstructuresAreNotExpandedExponentially() throws {
        // t = (); then 60 times t = (t, t) through the memo: 2^60 leaves if copied naively.
        var pickle: [UInt8] = [0x80, 0x02, 0x29, 0x71, 0x00]
        for _ in 0..<60 { pickle += [0x68, 0x00, 0x68, 0x00, 0x86, 0x71, 0x00] }
        pickle += [0x2E]
        let object = try openInMemory(legacyCheckpoint(objectPickle: pickle)).object
        guard case .tuple(let pair) = object else { return XCTFail("not a tuple") }
        XCTAssertEqual(pair.count, 2)
    }

    func testAStackUnderflowIsAMalformedPickle() {
        XCTAssertEqual(
            importErrorKind { try openInMemory(legacyCheckpoint(objectPickle: [0x80, 0x02, 0x61, 0x2E])) },
            .malformedPickle)
    }
}
