import Foundation

/// The files one command reads and writes, checked before any work starts: every output's folder
/// exists and is writable, no output is a folder, and no output is the same file as an input or
/// as another output (symbolic and hard links included), so a long run cannot end by failing to
/// write, or by overwriting what it read.
public struct OutputPlan {
    private struct Entry {
        let path: String
        let option: String
    }

    private var inputs: [Entry] = []
    private var outputs: [Entry] = []
    private var folders: [Entry] = []

    public init() {}

    /// A file the command reads (missing inputs are left for the reader to report).
    public mutating func input(_ path: String?, option: String) {
        if let path { inputs.append(Entry(path: path, option: option)) }
    }

    /// A file the command writes (created or replaced).
    public mutating func output(_ path: String?, option: String) {
        if let path { outputs.append(Entry(path: path, option: option)) }
    }

    /// A folder the command writes `files` into (created, with its parents, if missing). The
    /// folder only gains or replaces those files; nothing else in it is touched.
    public mutating func outputFolder(_ path: String, option: String, files: [String]) {
        folders.append(Entry(path: path, option: option))
        for file in files {
            outputs.append(Entry(path: PathParts(path + "/x").sibling(file), option: "\(option) (its \(file))"))
        }
    }

    /// Checks every rule; throws the first `OutputError` found.
    public func check() throws {
        for folder in folders {
            switch EntryKind(folder.path) {
            case .folder: try Self.requireWritable(folder.path, option: folder.option)
            case .missing: try Self.requireCreatable(folder.path, option: folder.option)
            case .regularFile, .other: throw OutputError.notAFolder(path: folder.path, option: folder.option)
            }
        }
        let plannedFolders = Set(folders.map { URL(fileURLWithPath: $0.path).standardizedFileURL.path })
        for output in outputs {
            switch EntryKind(output.path) {
            case .folder, .other: throw OutputError.notAFile(path: output.path, option: output.option)
            case .missing, .regularFile: break
            }
            let folder = PathParts(output.path).folder
            if EntryKind(folder) == .missing,
                plannedFolders.contains(URL(fileURLWithPath: folder).standardizedFileURL.path)
            {
                continue
            }
            try Self.requireWritable(folder, option: output.option, file: output.path)
        }
        let inputIdentities = inputs.map { (entry: $0, identity: FileIdentity($0.path)) }
        var seen: [FileIdentity: Entry] = [:]
        for output in outputs {
            let identity = FileIdentity(output.path)
            if let input = inputIdentities.first(where: { $0.identity == identity })?.entry {
                throw OutputError.sameFile(
                    output: output.path, outputOption: output.option,
                    other: input.path, otherOption: input.option, otherIsOutput: false)
            }
            if let other = seen[identity] {
                throw OutputError.sameFile(
                    output: output.path, outputOption: output.option,
                    other: other.path, otherOption: other.option, otherIsOutput: true)
            }
            seen[identity] = output
        }
    }

    private static func requireWritable(_ folder: String, option: String, file: String? = nil) throws {
        let named = file ?? folder
        switch EntryKind(folder) {
        case .folder:
            guard access(folder, W_OK | X_OK) == 0 else {
                throw OutputError.folderUnusable(
                    path: named, option: option,
                    reason: "the folder \(folder) is not writable")
            }
        case .missing:
            throw OutputError.folderUnusable(path: named, option: option, reason: "the folder \(folder) does not exist")
        case .regularFile, .other:
            throw OutputError.folderUnusable(path: named, option: option, reason: "\(folder) is not a folder")
        }
    }

    /// A missing folder can be made when its nearest existing ancestor is a writable folder.
    private static func requireCreatable(_ folder: String, option: String) throws {
        var ancestor = PathParts(folder).folder
        while EntryKind(ancestor) == .missing, ancestor != "." && ancestor != "/" {
            ancestor = PathParts(ancestor).folder
        }
        try requireWritable(ancestor, option: option, file: folder)
    }
}
