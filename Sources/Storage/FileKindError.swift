/// A file handed to vtv that is not the kind of file expected, or is of that kind but damaged.
/// Every message names the file, what it is and what was expected, and says where the right
/// file comes from (`FileKind.madeBy`).
public enum FileKindError: Error, CustomStringConvertible, Equatable {
    /// A vtv file of another kind (a prompts file given as the model).
    case wrongKind(path: String, found: FileKind, expected: FileKind)
    /// A `format` attribute this vtv does not know.
    case unknownFormat(path: String, format: String, expected: FileKind)
    /// An HDF5 file of no vtv kind; `reason` says what it lacks.
    case notVTV(path: String, expected: FileKind, reason: String)
    /// Not HDF5 at all; `content` is what its first bytes suggest (`FileContent.sniff`).
    case notHDF5(path: String, expected: FileKind, content: String?)
    /// The file cannot be opened (`reason` as the system says it).
    case unreadable(path: String, expected: FileKind, reason: String)
    /// A file of the right kind that lacks something or holds something of the wrong type or shape.
    case damaged(path: String, kind: FileKind, detail: String)
    /// A file of the right kind whose contents a reader refused for a reason of its own (`detail`).
    case invalid(path: String, kind: FileKind, detail: String)
    /// A file written by a newer vtv: its layout `version` is above `readable`, the highest this vtv reads.
    case newerVersion(path: String, kind: FileKind, version: Int, readable: Int)

    public var description: String {
        switch self {
        case let .wrongKind(path, found, expected):
            return "\(path) is a vtv \(found.name), not \(expected.withArticle) (\(expected.madeBy))"
        case let .unknownFormat(path, format, expected):
            return "\(path) is not a vtv \(expected.name): its format is '\(format)', which this vtv does not know "
                + "(\(expected.madeBy))"
        case let .notVTV(path, expected, reason):
            return "\(path) is an HDF5 file but not a vtv \(expected.name): \(reason) (\(expected.madeBy))"
        case let .notHDF5(path, expected, content):
            let what =
                content.map { "it is \($0), not HDF5" } ?? "it is not an HDF5 file, or it is truncated or damaged"
            var advice = expected.madeBy
            if expected == .model, content?.contains("PyTorch") == true {
                advice = "convert a PyTorch checkpoint with vtv model convert --mae CKPT --out M.h5"
            }
            return "\(path) is not a vtv \(expected.name): \(what) (\(advice))"
        case let .unreadable(path, expected, reason):
            return "cannot read the \(expected.name) \(path): \(reason)"
        case let .damaged(path, kind, detail):
            return
                "\(path) is a vtv \(kind.name) but it is damaged or incomplete: \(detail); make it again (\(kind.madeBy))"
        case let .invalid(path, kind, detail):
            return "\(path) (a vtv \(kind.name)): \(detail)"
        case let .newerVersion(path, kind, version, readable):
            return "\(path) was written by a newer vtv (\(kind.name) version \(version); this vtv reads up to "
                + "\(readable)); read it with a newer vtv"
        }
    }
}
