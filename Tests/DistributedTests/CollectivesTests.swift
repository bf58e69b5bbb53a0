import Foundation
import TestSupport
import XCTest

/// Every collective, checked with known values by the MPICheck program on 1, 2 and 3 real ranks.
final class CollectivesTests: XCTestCase {
    var check: String { TestPaths.productsDirectory.appendingPathComponent("MPICheck").path }

    func assertAllPass(_ result: CommandResult, ranks: Int, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(result.status, 0, result.output, file: file, line: line)
        XCTAssertTrue(result.stdout.contains("MPICheck on \(ranks) rank(s):"), result.output, file: file, line: line)
        XCTAssertTrue(result.stdout.contains(" 0 failed"), result.output, file: file, line: line)
    }

    func testCollectivesWorkInASingleProcessStartedWithoutMpirun() throws {
        assertAllPass(try runCommand(check, []), ranks: 1)
    }

    func testCollectivesAgreeOnTwoRanks() throws {
        assertAllPass(try runMPI(ranks: 2, check, []), ranks: 2)
    }

    func testCollectivesAgreeOnThreeOversubscribedRanks() throws {
        assertAllPass(try runMPI(ranks: 3, check, []), ranks: 3)
    }
}
