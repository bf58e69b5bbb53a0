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

/// A comma-separated list of variables (option `name`), not empty; the stage checks them against
/// the model's candidates (`checkedVariables`).
func parseVariableList(_ args: ParsedArguments, _ name: String) throws -> [Int] {
    guard let list = try args.ints(name) else { throw UsageError("'\(args.command)' needs \(name) LIST") }
    guard !list.isEmpty else { throw UsageError("\(name) lists no variables") }
    return list
}
