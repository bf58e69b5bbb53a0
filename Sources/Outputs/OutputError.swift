/// Why an output could not be planned, written or published. Every case names the path and,
/// where the user chose it, the option that named it.
public enum OutputError: Error, CustomStringConvertible, Equatable {
    /// An output resolves to the same file as an input or as another output.
    case sameFile(output: String, outputOption: String, other: String, otherOption: String, otherIsOutput: Bool)
    /// The folder an output goes into does not exist, is not a folder, or is not writable.
    case folderUnusable(path: String, option: String, reason: String)
    /// The output path names a folder (or something that is not a regular file) where a file is written.
    case notAFile(path: String, option: String)
    /// The output path names a file where a folder of outputs is written.
    case notAFolder(path: String, option: String)
    /// Writing or publishing failed; `reason` is the system's (e.g. "no space left on device").
    case writeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case let .sameFile(output, outputOption, other, otherOption, otherIsOutput):
            let what = otherIsOutput ? "the output" : "the input"
            return "\(outputOption) \(output) is the same file as \(what) \(otherOption) \(other); "
                + "vtv never writes over its own inputs: choose another output path"
        case let .folderUnusable(path, option, reason):
            return "\(option) \(path): \(reason)"
        case let .notAFile(path, option):
            return "\(option) \(path) is a folder (or not a regular file); give a file path"
        case let .notAFolder(path, option):
            return "\(option) \(path) is a file; give a folder"
        case let .writeFailed(path, reason):
            return "could not write \(path): \(reason); nothing was written there (any previous file is unchanged)"
        }
    }
}
