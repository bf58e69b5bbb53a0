import Foundation

/// A folder that receives outputs: made (with its parents) when missing, never emptied or
/// replaced: a command only adds or replaces its own files in it.
public enum OutputFolder {
    public static func create(_ path: String) throws {
        switch EntryKind(path) {
        case .folder: return
        case .regularFile, .other: throw OutputError.notAFolder(path: path, option: "output folder")
        case .missing: break
        }
        let parent = PathParts(path).folder
        if parent != path { try create(parent) }
        guard mkdir(path, 0o777) == 0 || errno == EEXIST else {
            throw OutputError.writeFailed(
                path: path, reason: "cannot make the folder: " + String(cString: strerror(errno)))
        }
    }

    /// `name` inside `folder`.
    public static func file(_ name: String, in folder: String) -> String {
        folder == "/" ? "/" + name : (folder.hasSuffix("/") ? folder + name : folder + "/" + name)
    }
}
