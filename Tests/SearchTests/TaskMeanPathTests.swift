import Model
import Randomness
import Search
import XCTest

/// One task-mean path: the mean of recordings is the mean `TaskStatistics` keeps, bit for bit.
final class TaskMeanPathTests: XCTestCase {
    func testTheMeanOfRecordingsIsTheTaskStatisticsMean() {
        let configuration = ModelConfiguration.tiny
        let layout = TokenLayout(mode: .oneShot, grid: configuration.grid)
        var statistics = TaskStatistics(configuration: configuration)
        let recordings = (0..<5).map { i -> HeadOutputs in
            var r = HeadOutputs(configuration: configuration, layout: layout)
            let stream = RandomStream(seed: 8, stream: UInt64(i))
            r.encoder = r.encoder.indices.map { stream.uniform(UInt64($0), -3, 3) }
            r.decoder = r.decoder.indices.map { stream.uniform(UInt64(r.encoder.count + $0), -3, 3) }
            statistics.add(r, prompt: "p\(i)")
            return r
        }
        XCTAssertEqual(HeadOutputs.mean(of: recordings), statistics.means(configuration: configuration))
    }
}
