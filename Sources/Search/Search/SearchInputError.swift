import Storage

/// Mistakes in the files and choices a user hands to collect, score, search and eval.
public enum SearchInputError: Error, CustomStringConvertible, Equatable {
    case missingTask(file: String, task: String, available: [String])
    /// `file`, of `kind`, was made with the model of hash `found`, not the model in use (`expected`).
    case modelMismatch(file: String, kind: FileKind, found: String, expected: String)
    /// Activations files to merge that come from two models.
    case differentModels(files: (String, String), hashes: (String, String))
    /// Activations files to merge, one (`old`) naming its prompts by origin and index, the other by content.
    case mixedPromptNaming(files: (String, String), old: String)
    case overlappingPrompts(files: (String, String), task: String, examples: [String], count: Int, namedByContent: Bool)
    case granularityMismatch(file: String, found: Int, expected: Int)
    /// Activations files to merge that both hold `task`, which `curated` holds as a selection of best prompts.
    case curatedMerge(files: (String, String), task: String, curated: String)
    case invalid(String)

    public static func == (a: SearchInputError, b: SearchInputError) -> Bool { a.description == b.description }

    public var description: String {
        switch self {
        case let .missingTask(file, task, available):
            return
                "\(file) has no task '\(task)' (it has: \(available.isEmpty ? "none" : available.joined(separator: ", ")))"
        case let .modelMismatch(file, kind, found, expected):
            return "\(file) (model \(found)) was made with another model (expected model hash \(expected)); "
                + Self.remedy(kind)
        case let .differentModels(files, hashes):
            return
                "\(files.0) (model \(hashes.0)) and \(files.1) (model \(hashes.1)) were collected with different models; "
                + "only collections of one model can be merged"
        case let .mixedPromptNaming(files, old):
            return "\(old) names its prompts as <source>#<index> (it was written before vtv named prompts by what they "
                + "are made of), the other file by content, so prompts present in both \(files.0) and \(files.1) cannot "
                + "be found; collect \(old) again with this vtv to merge them"
        case let .overlappingPrompts(files, task, examples, count, namedByContent):
            let overlap =
                "\(files.0) and \(files.1) both include \(count) of the same '\(task)' prompts "
                + "(e.g. \(examples.joined(separator: "; "))); merging would count them twice"
            if namedByContent { return overlap }
            return overlap + ". Both files were written before vtv named prompts by what they are made of, and "
                + "<source>#<index> does not tell the roles of one synthetic seed apart: if they were collected "
                + "with different --role, collect them again with this vtv"
        case let .granularityMismatch(file, found, expected):
            return "\(file) is for granularity \(found), but granularity \(expected) was asked for"
        case let .curatedMerge(files, task, curated):
            return "\(files.0) and \(files.1) both hold task '\(task)', and \(curated) holds it as the best prompts "
                + "of a pool (vtv collect --select-best); their union would be neither selection, so it is not "
                + "merged: select once from the pools together (one --select-best collection over all of them)"
        case .invalid(let message):
            return message
        }
    }

    /// What to do about a file of `kind` made with another model: advice that fixes it for that kind.
    private static func remedy(_ kind: FileKind) -> String {
        switch kind {
        case .activations:
            return
                "collect activations with this model (vtv collect --model), or use the model they were collected with"
        case .scores:
            return
                "score activations collected with this model (vtv collect, then vtv score), or use the model they came from"
        case .taskVectors:
            return
                "use task vectors made with this model (vtv search or vtv taskvectors make), or the model they were made with"
        case .searchCheckpoint:
            return "resume with the model the search began with, or start a new search (without --resume, or with "
                + "another --checkpoint)"
        case .model, .prompts:
            return "use files made with one model"
        }
    }
}
