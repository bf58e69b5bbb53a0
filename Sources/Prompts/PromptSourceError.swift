/// Errors in opening, selecting and storing prompts that a user (arguments, data, files) can cause.
public enum PromptSourceError: Error, CustomStringConvertible, Equatable {
    case unknownTask(String)
    case badSourceSpec(String, reason: String)
    case indexOutOfRange(index: Int, count: Int, source: String)
    case missingTask(task: String, source: String, available: [String])
    case noPromptsWithRole(role: String, source: String, roles: [String: Int])
    case notEnoughPrompts(requested: Int, available: Int, role: String?, source: String)
    case badCount(Int)
    /// A fold list that is empty or names a fold outside 0...3.
    case badFolds([Int])
    case countRequired(source: String)
    /// Classes of a split with a single image, which therefore has no support.
    case singleImageClasses(file: String, images: [Int: String])
    /// The label image has no pixel of the class the prompt segments.
    case classAbsent(image: String, classID: Int, labelFile: String)
    case notAPromptsFile(path: String, reason: String)
    case malformedPrompt(path: String, index: Int, reason: String)
    case promptMissingTask(path: String, index: Int, task: String)
    case canvasMismatch(reason: String)

    public var description: String {
        switch self {
        case let .unknownTask(name):
            return
                "unknown task '\(name)'; known tasks: \(PromptTask.every.map(\.rawValue).joined(separator: ", ")), "
                + "or 'base' (the five main tasks) or 'all'"
        case let .badSourceSpec(text, reason):
            return
                "bad prompt source '\(text)': \(reason); expected pascal:VOCDIR:SPLITFILE[:FOLD] or synthetic[:SEED[:BACKGROUNDS]][:folds=F,F...], or pairs:DIR"
        case let .indexOutOfRange(index, count, source):
            return "prompt index \(index) is out of range: \(source) has \(count) prompt(s), 0...\(count - 1)"
        case let .missingTask(task, source, available):
            let hint = available == [PromptTask.pairs.rawValue] ? " (give --tasks pairs)" : ""
            return "\(source) has no canvases for task '\(task)'; it has: \(available.joined(separator: ", "))\(hint)"
        case let .noPromptsWithRole(role, source, roles):
            let known = roles.keys.sorted().map { "\($0.isEmpty ? "(none)" : $0) \(roles[$0]!)" }
            return "\(source) has no prompts with role '\(role)'; roles present: "
                + (known.isEmpty ? "none" : known.joined(separator: ", "))
        case let .notEnoughPrompts(requested, available, role, source):
            return "\(source) has only \(available) prompt(s)" + (role.map { " with role '\($0)'" } ?? "")
                + "; \(requested) were asked for"
        case let .badCount(count): return "the prompt count must be at least 1, got \(count)"
        case let .badFolds(folds):
            return "the folds must be one or more of 0, 1, 2, 3 (PASCAL-5i's 4 folds of 5 classes), got "
                + (folds.isEmpty ? "none" : folds.map(String.init).joined(separator: ","))
        case let .countRequired(source):
            return "\(source) can generate any number of prompts; say how many with --count N"
        case let .singleImageClasses(file, images):
            let list = images.keys.sorted().map { "class \($0) (\(images[$0]!))" }.joined(separator: ", ")
            return
                "\(file): these classes have a single image, so their prompts have no support image of the same class: "
                + list + "; add images of those classes or remove their lines"
        case let .classAbsent(image, classID, labelFile):
            return "class \(classID) does not occur in the labels of '\(image)' (\(labelFile)); "
                + "its segmentation mask would be empty: check the class number"
        case let .notAPromptsFile(path, reason): return "\(path) is not a prompts file: \(reason)"
        case let .malformedPrompt(path, index, reason): return "\(path): prompt \(index): \(reason)"
        case let .promptMissingTask(path, index, task):
            return "\(path): prompt \(index) has no canvas for task '\(task)' although the file lists that task"
        case let .canvasMismatch(reason): return "canvases do not match the prompts file: \(reason)"
        }
    }
}
