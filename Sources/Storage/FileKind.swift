import Foundation

/// The kinds of HDF5 file vtv reads, told apart by what each carries at its root, so that a file
/// handed to the wrong option is named for what it is ("P.h5 is a vtv prompts file, not a model
/// file") instead of being reported by the first object it happens to lack.
///
/// Every kind but the model file has a root `format` attribute (docs/formats.md). A model file has
/// none: it is the file with `/config` and `/weights` groups. The published fixture.h5 has no
/// `format` and holds a model and prompts, so it reads as either; a file written by h5py with only
/// `/prompts` reads as a prompts file.
public enum FileKind: String, CaseIterable, Sendable {
    case model, prompts, activations, scores, taskVectors, searchCheckpoint

    /// The root `format` attribute of files of this kind; nil for the model file, which has none.
    public var format: String? {
        switch self {
        case .model: return nil
        case .prompts: return "vtv-prompts"
        case .activations: return "vtv-activations"
        case .scores: return "vtv-scores"
        case .taskVectors: return "vtv-taskvectors"
        case .searchCheckpoint: return "vtv-search-checkpoint"
        }
    }

    /// The highest layout version of this kind this vtv reads, and the version it writes
    /// (`FileHeader`). Raise it when the layout changes; older versions stay readable.
    public var version: Int {
        switch self {
        case .model, .prompts, .activations, .scores, .taskVectors, .searchCheckpoint: return 1
        }
    }

    /// Whether files of this kind record the model they were made with (`model_hash` and `/config`).
    public var recordsModel: Bool {
        switch self {
        case .model, .prompts: return false
        case .activations, .scores, .taskVectors, .searchCheckpoint: return true
        }
    }

    /// "model file", "task-vectors file", "search checkpoint".
    public var name: String {
        switch self {
        case .model: return "model file"
        case .prompts: return "prompts file"
        case .activations: return "activations file"
        case .scores: return "scores file"
        case .taskVectors: return "task-vectors file"
        case .searchCheckpoint: return "search checkpoint"
        }
    }

    /// "a model file", "an activations file".
    public var withArticle: String { (name.first == "a" ? "an " : "a ") + name }

    /// Which commands make files of this kind: the advice for anyone holding the wrong one.
    public var madeBy: String {
        switch self {
        case .model: return "model files come from vtv model convert or vtv model init"
        case .prompts: return "prompts files come from vtv prompts export or vtv prompts build"
        case .activations: return "activations files come from vtv collect or vtv activations merge"
        case .scores: return "scores files come from vtv score"
        case .taskVectors: return "task-vectors files come from vtv search or vtv taskvectors make"
        case .searchCheckpoint: return "vtv search writes search checkpoints, at --checkpoint"
        }
    }

    /// The kinds the file at `root` can be read as: the one its `format` attribute names, or, in a file
    /// without one, a model (with `/config` and `/weights`) and prompts (with `/prompts`). Empty for an
    /// HDF5 file of no vtv kind.
    public static func kinds(of root: HDF5Group) -> [FileKind] {
        if root.hasAttribute("format") {
            guard let format = try? root.attribute("format").stringValue else { return [] }
            return allCases.filter { $0.format == format }
        }
        func group(_ name: String) -> Bool { root.exists(name) && !root.isDataset(name) }
        var kinds: [FileKind] = []
        if group("config") && group("weights") { kinds.append(.model) }
        if group("prompts") { kinds.append(.prompts) }
        return kinds
    }

    /// Opens `path` for reading as a file of this kind, refusing a file of another kind (or no HDF5
    /// file at all) with a `FileKindError` that says what the file is.
    public func open(_ path: String) throws -> HDF5File {
        // Asked first, since HDF5 reports a folder or a missing file as a file it cannot read.
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw FileKindError.unreadable(path: path, expected: self, reason: "no such file")
        }
        guard !isFolder.boolValue else {
            throw FileKindError.unreadable(path: path, expected: self, reason: "it is a folder")
        }
        let file: HDF5File
        do {
            file = try HDF5File.open(path)
        } catch let error as HDF5Error where error.kind == .notHDF5 {
            throw FileKindError.notHDF5(path: path, expected: self, content: FileContent.sniff(path))
        } catch let error as HDF5Error where error.kind == .fileNotFound {
            throw FileKindError.unreadable(
                path: path, expected: self, reason: FileContent.whyUnreadable(path) ?? "it cannot be read")
        }
        try require(file.root, path: path)
        _ = try version(of: file.root, path: path)
        return file
    }

    /// The layout version of the file at `root` (opened from `path`): its `version` attribute, or 1
    /// when it has none (files from h5py, the published fixture, model files). A file from a newer
    /// vtv (a version above `version`) is refused with `FileKindError.newerVersion`.
    public func version(of root: HDF5Group, path: String) throws -> Int {
        guard root.hasAttribute("version") else { return 1 }
        guard case let .int(found) = try? root.attribute("version"), found >= 1 else {
            let value = (try? root.attribute("version").description) ?? "unreadable"
            throw FileKindError.invalid(
                path: path, kind: self, detail: "its 'version' attribute is \(value), not a version number (1, 2, ...)")
        }
        guard found <= version else {
            throw FileKindError.newerVersion(path: path, kind: self, version: found, readable: version)
        }
        return found
    }

    /// Throws unless the file at `root` (opened from `path`) can be read as this kind.
    public func require(_ root: HDF5Group, path: String) throws {
        let found = FileKind.kinds(of: root)
        if found.contains(self) { return }
        if let other = found.first { throw FileKindError.wrongKind(path: path, found: other, expected: self) }
        if root.hasAttribute("format") {
            let value = (try? root.attribute("format").description) ?? "unreadable"
            throw FileKindError.unknownFormat(path: path, format: value, expected: self)
        }
        throw FileKindError.notVTV(path: path, expected: self, reason: missingParts(root))
    }

    /// Runs `body`, which reads the file at `path` (already known to be of this kind). Objects it lacks
    /// or finds with another type or shape mean the file is damaged or incomplete, and errors that do
    /// not name the file are made to: a reader's message then always says which file, of which kind.
    public func reading<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as HDF5Error {
            switch error.kind {
            case .missingObject:
                throw FileKindError.damaged(
                    path: path, kind: self, detail: "it lacks \(Self.describe(object: error.object))")
            case let .wrongType(expected, found):
                throw FileKindError.damaged(
                    path: path, kind: self,
                    detail: "\(Self.describe(object: error.object)) holds \(found), expected \(expected)")
            case let .wrongShape(expected, found):
                throw FileKindError.damaged(
                    path: path, kind: self,
                    detail: "\(Self.describe(object: error.object)) has shape \(found), expected \(expected)")
            default:
                throw error
            }
        } catch let error as FileKindError {
            throw error
        } catch {
            guard !"\(error)".contains(path) else { throw error }
            throw FileKindError.invalid(path: path, kind: self, detail: "\(error)")
        }
    }

    /// Why a file without a `format` attribute is not of this kind.
    private func missingParts(_ root: HDF5Group) -> String {
        func group(_ name: String) -> Bool { root.exists(name) && !root.isDataset(name) }
        switch self {
        case .model:
            let missing = ["config", "weights"].filter { !group($0) }.map { "/\($0)" }
            return "it has no \(missing.joined(separator: " or ")) group"
        case .prompts:
            return "it has no /prompts group"
        default:
            return "it has no 'format' attribute"
        }
    }

    /// "/tasks/x/encoder_mean" as is; "/tasks/x@count" as "attribute 'count' of /tasks/x".
    private static func describe(object: String) -> String {
        guard let at = object.lastIndex(of: "@") else { return object }
        return "attribute '\(object[object.index(after: at)...])' of \(object[..<at])"
    }
}
