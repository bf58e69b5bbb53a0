/// Mistakes in the files and choices a user hands to collect, score, search and eval.
public enum SearchInputError: Error, CustomStringConvertible, Equatable {
    case wrongFileKind(file: String, expected: String)
    case missingTask(file: String, task: String, available: [String])
    case modelMismatch(what: String, expected: String)
    case overlappingPrompts(task: String, examples: [String], count: Int)
    case granularityMismatch(file: String, found: Int, expected: Int)
    case invalid(String)

    public var description: String {
        switch self {
        case let .wrongFileKind(file, expected):
            return "\(file) is not \(expected)"
        case let .missingTask(file, task, available):
            return "\(file) has no task '\(task)' (it has: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
        case let .modelMismatch(what, expected):
            return "\(what) was made with another model (expected model hash \(expected)); collect again with this model"
        case let .overlappingPrompts(task, examples, count):
            return "both files include \(count) of the same '\(task)' prompts (e.g. \(examples.joined(separator: ", "))); merging would count them twice"
        case let .granularityMismatch(file, found, expected):
            return "\(file) is for granularity \(found), but granularity \(expected) was asked for"
        case .invalid(let message):
            return message
        }
    }
}
