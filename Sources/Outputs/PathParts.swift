/// The folder and the last component of a path, split by hand: Foundation's
/// `NSString.deletingLastPathComponent` traps on one-character paths such as `a` or `-`.
public struct PathParts: Equatable {
    /// The folder the path names its entry in: "." for a bare name, "/" for an entry of the root.
    public let folder: String
    /// The entry's name (never empty for a path that names a file).
    public let name: String

    public init(_ path: String) {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else {
            folder = "."
            name = String(trimmed)
            return
        }
        let head = trimmed[..<slash]
        folder = head.isEmpty ? "/" : String(head)
        name = String(trimmed[trimmed.index(after: slash)...])
    }

    /// `folder/name` for a sibling entry called `other`.
    public func sibling(_ other: String) -> String {
        folder == "/" ? "/" + other : folder + "/" + other
    }
}
