import Foundation

/// A list of file paths in one option value, separated by commas. A path may itself hold a comma
/// (`run,2/tv.h5`), so a comma inside a path is written `\,` and a backslash `\\`; every other
/// character stands for itself. `split` and `joined` are inverses, so a value `joined` builds (`vtv demo`
/// logs the `vtv eval --taskvectors` its evaluation step equals) is read back path by path.
public enum PathList {
    /// A trailing lone backslash or one before a character other than `,` or `\`.
    public struct Malformed: Error, CustomStringConvertible {
        public let text: String
        public var description: String {
            "'\(text)' has a backslash that escapes nothing; in a comma-separated list of paths write a comma "
                + "inside a path as \\, and a backslash as \\\\"
        }
    }

    /// The paths of `text`, split at unescaped commas, escapes resolved.
    public static func split(_ text: String) throws -> [String] {
        var items: [String] = [], current = ""
        var characters = text.makeIterator()
        while let c = characters.next() {
            switch c {
            case "\\":
                guard let next = characters.next(), next == "," || next == "\\" else { throw Malformed(text: text) }
                current.append(next)
            case ",":
                items.append(current)
                current = ""
            default:
                current.append(c)
            }
        }
        items.append(current)
        return items
    }

    /// One option value listing `paths`, commas and backslashes escaped.
    public static func joined(_ paths: [String]) -> String {
        paths.map { $0.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: ",", with: "\\,") }
            .joined(separator: ",")
    }
}
