import Foundation
import TestSupport
import XCTest

/// `vtv doctor` reports every rank and verifies the collectives under real mpirun.
final class DoctorTests: XCTestCase {
    let quick = ["doctor", "--check-mpi", "--probe-seconds", "0.05"]

    func testDoctorRunsAsASingleProcess() throws {
        let result = try runCommand(TestPaths.vtv, quick)
        XCTAssertEqual(result.status, 0, result.output)
        for needle in [
            "rank 0/1", "MPI:", "OpenBLAS:", "Linears:  packed GEMM, ", "HDF5:", "SGEMM:",
            "every collective agreed on 1 rank"
        ] {
            XCTAssertTrue(result.stdout.contains(needle), "missing '\(needle)' in:\n\(result.output)")
        }
    }

    func testDoctorPrintsBothRanksUnderMpirunWithTwo() throws {
        let result = try runMPI(ranks: 2, TestPaths.vtv, quick)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stdout.contains("rank 0/2"), result.output)
        XCTAssertTrue(result.stdout.contains("rank 1/2"), result.output)
        XCTAssertTrue(result.stdout.contains("every collective agreed on 2 rank(s)"), result.output)
    }

    func testDoctorChecksThreeOversubscribedRanks() throws {
        let result = try runMPI(ranks: 3, TestPaths.vtv, quick)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertTrue(result.stdout.contains("rank 2/3"), result.output)
        XCTAssertTrue(result.stdout.contains("every collective agreed on 3 rank(s)"), result.output)
    }
}
