import Foundation
import XCTest

@testable import TorchImport

/// Seeded random corruptions of small real checkpoints: the reader must only ever succeed or
/// throw a TorchImportError; a crash or a hang fails the whole test run.
final class MutationTests: XCTestCase {
    /// SplitMix64: a fixed, portable stream, so a failure replays from its iteration number.
    struct SplitMix64 {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
    }

    /// Corruptions: byte flips (mostly in the first `hot` bytes, where the pickle and headers are),
    /// truncations, deleted and duplicated runs, and interesting values (0, 0xFF, 0x7F, 0x80).
    static func mutate(_ original: [UInt8], hot: Int, _ random: inout SplitMix64) -> [UInt8] {
        var bytes = original
        switch random.below(6) {
        case 0, 1:
            for _ in 0...random.below(4) {
                let at = random.below(2) == 0 ? random.below(min(hot, bytes.count)) : random.below(bytes.count)
                bytes[at] = UInt8(truncatingIfNeeded: random.next())
            }
        case 2:
            bytes = Array(bytes.prefix(random.below(bytes.count)))
        case 3:
            let at = random.below(bytes.count), n = 1 + random.below(16)
            bytes.removeSubrange(at..<min(bytes.count, at + n))
        case 4:
            let at = random.below(bytes.count), n = 1 + random.below(32)
            bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + n)], at: random.below(bytes.count))
        default:
            let at = random.below(min(hot, bytes.count))
            bytes[at] = [0x00, 0xFF, 0x7F, 0x80][random.below(4)]
        }
        return bytes
    }

    /// Opens, walks every value and materialises every tensor of up to 2^20 elements.
    static func exercise(_ bytes: [UInt8]) -> (opened: Bool, error: Error?) {
        func walk(_ value: PickleValue) throws {
            switch value {
            case .tensor(let t): if t.count <= 1 << 20 { _ = try t.floats() }
            case .list(let items), .tuple(let items): for item in items { try walk(item) }
            case .dict(let entries): for (k, v) in entries { try walk(k); try walk(v) }
            case .object(let o):
                for item in o.arguments + o.items { try walk(item) }
                if let state = o.state { try walk(state) }
            default: break
            }
        }
        do {
            let checkpoint = try openInMemory(bytes, name: "mutant")
            try walk(checkpoint.object)
            _ = try? checkpoint.stateDict()
            return (true, nil)
        } catch {
            return (false, error)
        }
    }

    func run(_ name: String, iterations: Int, seed: UInt64) throws {
        let original = try TorchFixtures.bytes(name)
        var random = SplitMix64(state: seed)
        var opened = 0, kinds: [String: Int] = [:]
        let start = Date()
        for iteration in 0..<iterations {
            let mutant = Self.mutate(original, hot: 2600, &random)
            let (ok, error) = Self.exercise(mutant)
            if ok { opened += 1 }
            if let error {
                guard let importError = error as? TorchImportError else {
                    return XCTFail("\(name) iteration \(iteration): non-TorchImportError \(error)")
                }
                kinds["\(importError.kind)", default: 0] += 1
            }
        }
        print(
            "\(name): \(iterations) mutants in \(String(format: "%.1f", Date().timeIntervalSince(start))) s, "
                + "\(opened) opened, errors \(kinds.sorted { $0.key < $1.key })")
        XCTAssertGreaterThan(kinds.count, 3, "mutations should reach several error paths")
    }

    func testThousandsOfCorruptedZipCheckpointsNeverCrash() throws {
        try run("views.pth", iterations: 6000, seed: 1)
    }

    func testThousandsOfCorruptedLegacyCheckpointsNeverCrash() throws {
        try run("views_legacy.pth", iterations: 6000, seed: 2)
    }

    func testThousandsOfCorruptedZip64CheckpointsNeverCrash() throws {
        try run("views_zip64.pth", iterations: 3000, seed: 3)
    }
}
