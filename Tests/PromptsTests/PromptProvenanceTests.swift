import Prompts
import XCTest

/// `PromptProvenance`: sources, classes and folds read off prompt identities, and when vectors moved
/// between two sets of prompts are a transfer.
final class PromptProvenanceTests: XCTestCase {
    func testIdentitiesOfAFoldedSyntheticSourceGiveItsSourceClassesAndFold() throws {
        let source = try SyntheticPromptSource(seed: 3, role: "collect", count: 7, folds: [1])
        let provenance = PromptProvenance(identities: try (0..<7).map { try source.identity(of: $0) })
        XCTAssertEqual(provenance.sources, ["synthetic:3:folds=1"])
        XCTAssertEqual(provenance.classes, [6, 7, 8, 9, 10])
        XCTAssertEqual(provenance.folds, [1])
        XCTAssertEqual(provenance.prompts, 7)
        XCTAssertEqual(provenance.summary, "7 prompt(s) of synthetic:3:folds=1, classes 6-10 (fold 1)")
    }

    func testPascalIdentitiesShareTheirVocSourceAndDifferByFold() {
        let fold0 = PromptProvenance(identities: [
            "voc:/d/VOC query=2008_000123 support=2008_004567 class=2 square=40,61",
            "voc:/d/VOC query=2008_000124 support=2008_004568 class=5 square=1,2"
        ])
        let fold3 = PromptProvenance(identities: [
            "voc:/d/VOC query=2009_000001 support=2009_000002 class=17 square=3,4"
        ])
        XCTAssertEqual(fold0.sources, fold3.sources)
        XCTAssertEqual(fold0.folds, [0])
        XCTAssertEqual(fold3.folds, [3])
        XCTAssertTrue(fold0.isTransfer(to: fold3), "another fold of one source is a transfer")
        XCTAssertFalse(fold0.isTransfer(to: fold0))
        XCTAssertEqual(fold0.summary, "2 prompt(s) of voc:/d/VOC, classes 2,5 (fold 0)")
    }

    func testAnotherSourceIsATransferEvenWithTheSameClasses() {
        let a = PromptProvenance(identities: ["synthetic:0 query=q support=s class=1 square=0,0"])
        let b = PromptProvenance(identities: ["synthetic:1 query=q support=s class=1 square=0,0"])
        XCTAssertTrue(a.isTransfer(to: b))
    }

    func testIndexNamedPromptsAndPairsHaveASourceWithoutClasses() {
        let old = PromptProvenance(identities: ["synthetic:7#0", "synthetic:7#1", "synthetic:7#2"])
        XCTAssertEqual(old.sources, ["synthetic:7"])
        XCTAssertEqual(old.classes, [])
        XCTAssertEqual(old.folds, [])
        XCTAssertEqual(old.summary, "3 prompt(s) of synthetic:7")
        let pairs = PromptProvenance(identities: ["pairs:/x query=a support=b square=0,0"])
        XCTAssertEqual(pairs.sources, ["pairs:/x"])
        XCTAssertFalse(old.isTransfer(to: old))
        XCTAssertTrue(old.isTransfer(to: pairs))
    }

    func testMergingKeepsBothSourcesAndClassesAndTheFewerPrompts() {
        let a = PromptProvenance(sources: ["synthetic:0"], classes: [1, 2, 3], prompts: 10)
        let b = PromptProvenance(sources: ["voc:/d", "synthetic:0"], classes: [12, 3], prompts: 4)
        let merged = a.merged(with: b)
        XCTAssertEqual(merged.sources, ["synthetic:0", "voc:/d"])
        XCTAssertEqual(merged.classes, [1, 2, 3, 12])
        XCTAssertEqual(merged.folds, [0, 2])
        XCTAssertEqual(merged.prompts, 4)
        XCTAssertEqual(merged.summary, "4 prompt(s) of synthetic:0, voc:/d, classes 1-3,12 (folds 0,2)")
    }
}
