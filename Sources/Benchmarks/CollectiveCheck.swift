import Distributed

/// Each collective of `Communicator` run on values every rank can predict (`vtv doctor --check-mpi`).
public enum CollectiveCheck {
    /// Runs every collective once; returns this rank's mismatches, each naming the rank and the
    /// collective, empty when all agreed. Collective: every rank of `world` calls it.
    public static func run(_ world: Communicator) throws -> [String] {
        let n = world.size, r = world.rank
        var problems: [String] = []
        func expect(_ ok: Bool, _ what: String) { if !ok { problems.append("rank \(r): \(what)") } }

        let sum = try world.allreduce(Double(r + 1), .sum)
        expect(sum == Double(n * (n + 1) / 2), "allreduce sum of rank+1 gave \(sum)")
        let maxRank = try world.allreduce(Int32(r), .max)
        expect(maxRank == Int32(n - 1), "allreduce max of rank gave \(maxRank)")
        let minRank = try world.allreduce(Int64(r), .min)
        expect(minRank == 0, "allreduce min of rank gave \(minRank)")
        let floats = try world.allreduced([Float](repeating: 0.5, count: 1000), .sum)
        expect(floats.allSatisfy { $0 == 0.5 * Float(n) }, "allreduce of 1000 floats")
        let gathered = try world.allgather(Int32(r))
        expect(gathered == (0..<n).map(Int32.init), "allgather of ranks gave \(gathered)")
        var message = world.isRoot ? [Double](arrayLiteral: 3.25, -1, 1e300) : []
        try world.broadcast(&message)
        expect(message == [3.25, -1, 1e300], "broadcast gave \(message)")
        return problems
    }
}
