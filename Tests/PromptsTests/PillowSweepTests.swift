import Foundation
import Imaging
import Prompts
import TestSupport
import XCTest

/// The differential test of vtv's image preparation against Pillow over a sweep of input sizes.
///
/// Reference: `Tests/Fixtures/pil/sweep/`, written by `tools/pil/make_resize_sweep.py` with Pillow
/// 13.0.0 running the published loader's three paths (RGB bicubic to the quadrant, the class mask
/// as an 'L' image resized bicubic, colorization's `convert('L')` of the resized RGB) for quadrant
/// sides 111 (224 canvas) and 55 (vtv-small's 112 canvas). Sizes: every input from 1 x 1 to 64 x 64
/// for side 55, and for side 111 every width with heights 1, 2, 3, 31, 32, 63, 64 and every height
/// with those widths (below 111 both axes grow, so each output is one horizontal pass fixed by the
/// width and one vertical pass fixed by the height, and these pairs run every one of them); 300
/// random sizes up to 800 x 800 (100 uniform, 200 log-uniform) and named ones (VOC's 500 x 375 and
/// 375 x 500, narrow portraits, lines) for both sides. Inputs are regenerated here by `SweepImages`;
/// outputs are compared through 64-bit hashes (`SweepImages.hash`), and a few cases value for value.
/// Every case must be exact.
final class PillowSweepTests: XCTestCase {
    private static let folder = TestPaths.packageRoot.appendingPathComponent("Tests/Fixtures/pil/sweep")

    /// One line `case W H Q RGB GRAY MASK` of sweep.txt.
    private struct Case {
        let width: Int, height: Int, side: Int
        let hashes: [String]
    }

    private struct Fixture {
        var cases: [Case] = []
        /// `input W H IMAGE LABELS`: hashes of generated inputs.
        var inputs: [(width: Int, height: Int, image: String, labels: String)] = []
        /// `full W H Q FILE`: full outputs, rgb [Q, Q, 3] then gray and mask [Q, Q].
        var full: [(width: Int, height: Int, side: Int, file: String)] = []
    }

    private static let fixture: Fixture = {
        let text = try! String(contentsOf: folder.appendingPathComponent("sweep.txt"), encoding: .utf8)
        var fixture = Fixture()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let f = line.split(separator: " ").map(String.init)
            switch f[0] {
            case "case":
                fixture.cases.append(
                    Case(
                        width: Int(f[1])!, height: Int(f[2])!, side: Int(f[3])!,
                        hashes: Array(f[4...6])))
            case "input": fixture.inputs.append((Int(f[1])!, Int(f[2])!, f[3], f[4]))
            case "full": fixture.full.append((Int(f[1])!, Int(f[2])!, Int(f[3])!, f[4]))
            default: XCTFail("unknown line in sweep.txt: \(line)")
            }
        }
        return fixture
    }()

    private static let outputNames = ["rgb", "gray", "mask"]

    /// vtv's three quadrant images of the sweep input `width` x `height` at `side`, through the code
    /// the PASCAL sources use (`QuadrantImage`, `QuadrantImage.classMask`), as bytes:
    /// rgb [side, side, 3], gray and mask [side, side], each value k/255 turned back into k.
    private func vtvOutputs(image: Image8, labels: Image8, classID: Int, side: Int) throws -> [[UInt8]] {
        let q = try QuadrantImage(
            image: image, classMask: QuadrantImage.classMask(labels: labels, classID: classID),
            side: side)
        let n = side * side
        func bytes(_ v: Float) -> UInt8 { UInt8((v * 255).rounded()) }
        var rgb = [UInt8](repeating: 0, count: 3 * n)
        for i in 0..<n { for c in 0..<3 { rgb[3 * i + c] = bytes(q.rgb[c * n + i]) } }
        return [rgb, q.gray.map(bytes), q.mask!.map(bytes)]
    }

    /// Runs `cases` and fails with the first few mismatches (size, side, which outputs) and their count.
    /// Input sizes are shared out over the cores (the debug build's resize is slow).
    private func assertCasesMatchPillow(_ cases: [Case], file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertFalse(cases.isEmpty, "no cases selected", file: file, line: line)
        // Cases of one input size are adjacent: each input is generated once for both sides.
        let groups = Dictionary(grouping: cases.indices) { [cases[$0].width, cases[$0].height] }
            .values.map { $0.sorted() }.sorted { $0[0] < $1[0] }
        let workers = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let lock = NSLock()
        var failures: [(index: Int, text: String)] = []
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for group in stride(from: worker, to: groups.count, by: workers).map({ groups[$0] }) {
                let (w, h) = (cases[group[0]].width, cases[group[0]].height)
                let image = SweepImages.rgb(width: w, height: h), labels = SweepImages.labels(width: w, height: h)
                let classID = SweepImages.classID(width: w, height: h)
                for i in group {
                    let text: String?
                    do {
                        let outputs = try vtvOutputs(
                            image: image, labels: labels, classID: classID, side: cases[i].side)
                        let wrong = (0..<3).filter { SweepImages.hash(outputs[$0]) != cases[i].hashes[$0] }
                        text = wrong.isEmpty ? nil : wrong.map { Self.outputNames[$0] }.joined(separator: ", ")
                    } catch {
                        text = "\(error)"
                    }
                    if let text {
                        lock.lock()
                        failures.append((i, "\(w)x\(h) -> \(cases[i].side): \(text)"))
                        lock.unlock()
                    }
                }
            }
        }
        let first = failures.sorted { $0.index < $1.index }.prefix(8).map(\.text)
        XCTAssertTrue(
            failures.isEmpty,
            """
            \(failures.count) of \(cases.count) cases differ from Pillow (first: \(first.joined(separator: "; "))). \
            If every case fails, check testSweepInputsAreTheOnesThePillowScriptGenerated first; \
            testFullOutputsOfTheDiagnosticCasesMatchPillowValueForValue counts the differing values.
            """, file: file, line: line)
    }

    func testSweepInputsAreTheOnesThePillowScriptGenerated() {
        XCTAssertFalse(Self.fixture.inputs.isEmpty)
        for (w, h, image, labels) in Self.fixture.inputs {
            XCTAssertEqual(SweepImages.hash(SweepImages.rgb(width: w, height: h).pixels), image, "image \(w)x\(h)")
            XCTAssertEqual(SweepImages.hash(SweepImages.labels(width: w, height: h).pixels), labels, "labels \(w)x\(h)")
        }
    }

    func testEveryInputSizeFrom1x1To64x64MatchesPillowOnEveryLoaderPath() {
        let cases = Self.fixture.cases.filter { $0.width <= 64 && $0.height <= 64 }
        XCTAssertEqual(cases.filter { $0.side == 55 }.count, 64 * 64)
        XCTAssertEqual(cases.filter { $0.side == 111 }.count, 2 * 7 * 64 - 7 * 7)
        assertCasesMatchPillow(cases)
    }

    func testRandomAndNamedSizesUpTo800MatchPillowOnEveryLoaderPath() {
        let cases = Self.fixture.cases.filter { $0.width > 64 || $0.height > 64 }
        XCTAssertGreaterThanOrEqual(Set(cases.map { [$0.width, $0.height] }).count, 300)
        XCTAssertEqual(Set(cases.map(\.side)), [55, 111])
        assertCasesMatchPillow(cases)
    }

    /// The full arrays cover each regime of Pillow's two passes (vertical first, horizontal first,
    /// one pass, growing); a failure here says how many values differ and by how much.
    func testFullOutputsOfTheDiagnosticCasesMatchPillowValueForValue() throws {
        XCTAssertFalse(Self.fixture.full.isEmpty)
        for (w, h, side, file) in Self.fixture.full {
            let expected = [UInt8](try Data(contentsOf: Self.folder.appendingPathComponent(file)))
            let got = try vtvOutputs(
                image: SweepImages.rgb(width: w, height: h), labels: SweepImages.labels(width: w, height: h),
                classID: SweepImages.classID(width: w, height: h), side: side)
            XCTAssertEqual(expected.count, 5 * side * side, file)
            var offset = 0
            for (name, values) in zip(Self.outputNames, got) {
                let reference = expected[offset..<min(offset + values.count, expected.count)]
                offset += values.count
                let differences = zip(values, reference).map { abs(Int($0) - Int($1)) }.filter { $0 != 0 }
                XCTAssertEqual(
                    differences.count, 0,
                    """
                    \(w)x\(h) -> \(side) \(name): \(differences.count) of \(values.count) values differ, \
                    by up to \(differences.max() ?? 0)
                    """)
            }
        }
    }
}
