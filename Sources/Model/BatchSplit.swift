/// How `MAEModel.forward` shares a batch between threads: contiguous chunks of samples of about
/// equal work, one per worker, each run with single-threaded SGEMMs.
///
/// Splitting the batch instead of each matrix product leaves the workers nothing to wait for
/// inside the forward pass: with OpenBLAS' own threads every product of every layer is split
/// and joined again, and its spinning worker competes with the element-wise work in between.
enum BatchSplit {
    /// Contiguous sample ranges covering `layouts` in order, at most `workers` of them, none
    /// empty: cut k falls at the sample boundary where the cumulative analytic FLOPs
    /// (`forwardFLOPs`) come closest to k/workers of the total. A single range when there is one
    /// worker or one sample, or when `sharedRecorders` (two samples writing one recorder must
    /// not run concurrently).
    static func chunks(
        _ layouts: [TokenLayout], configuration: ModelConfiguration, workers: Int,
        sharedRecorders: Bool
    ) -> [Range<Int>] {
        let n = layouts.count, count = min(workers, n)
        if count <= 1 || sharedRecorders { return [0..<n] }
        // prefix[j]: FLOPs of the first j samples.
        var prefix = [0.0]
        for layout in layouts { prefix.append(prefix.last! + configuration.forwardFLOPs(layout.mode)) }
        var cuts = [0]
        for k in 1..<count {
            let target = prefix[n] * Double(k) / Double(count)
            // Leave at least one sample for this chunk and for each later one.
            let candidates = (cuts.last! + 1)...(n - (count - k))
            cuts.append(candidates.min { abs(prefix[$0] - target) < abs(prefix[$1] - target) }!)
        }
        cuts.append(n)
        return zip(cuts, cuts.dropFirst()).map { $0..<$1 }
    }

    /// Whether two samples hand in the same recorder object.
    static func sharesRecorders(_ samples: [MAESample]) -> Bool {
        var seen = Set<ObjectIdentifier>()
        for case let recorder? in samples.map(\.recorder) where !seen.insert(ObjectIdentifier(recorder)).inserted {
            return true
        }
        return false
    }
}
