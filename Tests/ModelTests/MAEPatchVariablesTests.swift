import Model
import Storage
import TestSupport
import XCTest

/// The search space's variables (docs/paper.md#search-space) and their expansion to head outputs.
final class MAEPatchVariablesTests: XCTestCase {
    func testViTLargeHasTheVariableCountsOfTheReference() {
        XCTAssertEqual(PatchVariables(configuration: .vitLarge, granularity: .head).count, 512)
        XCTAssertEqual(PatchVariables(configuration: .vitLarge, granularity: .headGroup).count, 1152)
        XCTAssertEqual(PatchVariables(configuration: .vitLarge, granularity: .headToken).count, 31872)
    }

    func testGranularityOneIndicesFollowTheReferenceFormula() {
        let v = PatchVariables(configuration: .vitLarge, granularity: .headGroup)
        // encoder: l*32 + h*2 + g; decoder: 768 + l*48 + h*3 + g
        XCTAssertTrue(v.decode(5 * 32 + 7 * 2 + 1) == (Stack.encoder, 5, 7, 1))
        XCTAssertTrue(v.decode(768 + 3 * 48 + 9 * 3 + 2) == (Stack.decoder, 3, 9, 2))
        XCTAssertEqual(v.name(of: 768 + 3 * 48 + 9 * 3 + 2), "decoder layer 3 head 9 Q4")
        XCTAssertEqual(v.targets(ofVariable: 0), [PatchSet.Target(.encoder, layer: 0, head: 0, token: 0)])
        XCTAssertEqual(v.targets(ofVariable: 1).map(\.token), Array(1...49))
    }

    func testDecoderGroupsSplitTheBottomHalfIntoQueryAndHoleColumns() {
        let v = PatchVariables(configuration: .vitLarge, granularity: .headGroup)
        let q3 = v.targets(ofVariable: 768 + 1).map(\.token), q4 = v.targets(ofVariable: 768 + 2).map(\.token)
        // zero-shot decoder token t >= 1 is grid position 97 + t: row 7 + (t-1)/14, col (t-1)%14
        XCTAssertEqual(q3.prefix(8), [1, 2, 3, 4, 5, 6, 7, 15])
        XCTAssertEqual(q4.prefix(8), [8, 9, 10, 11, 12, 13, 14, 22])
        XCTAssertEqual(q3.count, 49)
        XCTAssertEqual(Set(q3 + q4 + [0]), Set(0..<99))
    }

    func testEveryGranularityCoversEachZeroShotHeadOutputExactlyOnce() {
        for g in PatchVariables.Granularity.allCases {
            let v = PatchVariables(configuration: .tiny, granularity: g)
            let all = v.targets(selected: [Bool](repeating: true, count: v.count))
            XCTAssertEqual(all.count, 3 * 4 * 50 + 2 * 4 * 99, "granularity \(g)")
            XCTAssertEqual(Set(all).count, all.count, "granularity \(g)")
        }
    }

    func testTheFixtureGranularityOneMaskExpandsToThePublishedRows() throws {
        let file = OfficialSmall.file, c = OfficialSmall.configuration
        let mask = try file.root.read("patch/granularity1_mask", as: UInt8.self).values
        let v = PatchVariables(configuration: c, granularity: .headGroup)
        XCTAssertEqual(mask.count, v.count)
        let ours = v.targets(selected: mask.map { $0 != 0 })
        let rows = try file.root.read("patch/rows_layer_head_position", as: Int64.self)
        let list = (0..<rows.shape[0]).map { r in (0..<3).map { Int(rows.values[r * 3 + $0]) } }
        let published = try PatchVariables.targets(publishedRows: list, configuration: c)
        XCTAssertEqual(ours.sorted(), published.sorted())
    }
}
