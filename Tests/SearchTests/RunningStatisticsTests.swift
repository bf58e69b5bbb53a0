import Model
import Search
import XCTest

/// Welford accumulation and its exact merge give the two-pass mean and population variance.
final class RunningStatisticsTests: XCTestCase {
    let samples: [[Float]] = (0..<9).map { i in (0..<4).map { j in Float(i * j) * 0.37 + Float(j) + 1000 } }

    func twoPass(_ s: [[Float]]) -> (mean: [Double], variance: [Double]) {
        let n = Double(s.count)
        let mean = (0..<4).map { j in s.reduce(0) { $0 + Double($1[j]) } / n }
        let variance = (0..<4).map { j in s.reduce(0) { $0 + (Double($1[j]) - mean[j]) * (Double($1[j]) - mean[j]) } / n
        }
        return (mean, variance)
    }

    func testWelfordMatchesTwoPassStatistics() {
        var stats = RunningStatistics(elements: 4)
        samples.forEach { stats.add($0) }
        let expected = twoPass(samples)
        XCTAssertEqual(stats.count, 9)
        for j in 0..<4 {
            XCTAssertEqual(stats.mean[j], expected.mean[j], accuracy: 1e-9)
            XCTAssertEqual(stats.variance[j], expected.variance[j], accuracy: 1e-9)
        }
    }

    func testMergingDisjointHalvesEqualsOneAccumulation() {
        var all = RunningStatistics(elements: 4), a = RunningStatistics(elements: 4), b = RunningStatistics(elements: 4)
        for (i, s) in samples.enumerated() {
            all.add(s)
            if i < 4 { a.add(s) } else { b.add(s) }
        }
        let merged = a.merged(with: b)
        XCTAssertEqual(merged.count, all.count)
        for j in 0..<4 {
            XCTAssertEqual(merged.mean[j], all.mean[j], accuracy: 1e-9)
            XCTAssertEqual(merged.variance[j], all.variance[j], accuracy: 1e-9)
        }
        XCTAssertEqual(a.merged(with: RunningStatistics(elements: 4)), a)
    }

    func testStoredMeanAndVarianceRebuildTheStatistics() {
        var stats = RunningStatistics(elements: 4)
        samples.forEach { stats.add($0) }
        let rebuilt = RunningStatistics(count: stats.count, mean: stats.mean, variance: stats.variance)
        for j in 0..<4 { XCTAssertEqual(rebuilt.m2[j], stats.m2[j], accuracy: 1e-6) }
    }
}
