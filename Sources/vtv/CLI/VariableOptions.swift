import Foundation
import Model
import Pipeline
import Search

/// `--granularity` as a search-space granularity (1, the paper's default, when absent).
func parseGranularity(_ args: ParsedArguments) throws -> PatchVariables.Granularity {
    guard let text = args.string("--granularity") else { return .headGroup }
    guard let g = Int(text), let granularity = PatchVariables.Granularity(rawValue: g) else {
        throw UsageError("--granularity must be 0 (heads), 1 (head x token group) or 2 (head x token); got '\(text)'")
    }
    return granularity
}

/// A comma-separated list of variables of `space` (option `name`), ascending and without repeats.
func parseVariables(_ args: ParsedArguments, _ name: String, space: PatchVariables) throws -> [Int] {
    guard let list = try args.ints(name) else { throw UsageError("'\(args.command)' needs \(name) LIST") }
    guard !list.isEmpty else { throw UsageError("\(name) lists no variables") }
    if let bad = list.first(where: { $0 < 0 || $0 >= space.count }) {
        throw UsageError(
            "\(name): variable \(bad) is outside 0..<\(space.count), the candidates of granularity "
                + "\(space.granularity.rawValue) for this model")
    }
    return Array(Set(list)).sorted()
}
