import Search

/// The activations files at `paths` (one model, disjoint prompts) merged into one, written to
/// `out` and returned: tasks in several files combined exactly, as if collected in one run.
public func mergeActivations(_ paths: [String], out: String) throws -> ActivationsFile {
    guard paths.count >= 2 else { throw UsageError("'activations merge' needs at least two files to merge") }
    var merged = try ActivationsFile(path: paths[0])
    for (i, path) in paths.enumerated().dropFirst() {
        // The files merged so far, so that an overlap names every file it may lie in.
        let sofar = paths[..<i].joined(separator: " + ")
        merged = try merged.merged(with: try ActivationsFile(path: path), names: (sofar, path))
    }
    try merged.write(to: out)
    return merged
}
