/// The header at the root of every vtv file: its kind (the `format` attribute; the model file has
/// none), the version of its layout (`version`), and, for the files made with a model, that
/// model's `model_hash` (the model's `/config` attributes go with it: Model's
/// `write(to:configuration:)`). Writers write it, readers read it, through this one type.
///
/// Versions are checked on read (`FileKind.open`): a file whose `version` is greater than
/// `FileKind.version`, the highest this vtv reads and the one it writes, comes from a newer vtv
/// and is refused as such; a file without one (the published fixture, h5py) reads as version 1.
public struct FileHeader: Equatable, Sendable {
    public var kind: FileKind
    /// The layout version: `kind.version` for a header to write; as found in a file that was read.
    public var version: Int
    /// The content hash of the model the file was made with (nil for kinds that record none).
    public var modelHash: String?

    /// The header a file of `kind` is written with; `modelHash` is required by kinds that record
    /// the model (`FileKind.recordsModel`).
    public init(kind: FileKind, modelHash: String? = nil) {
        precondition(
            (modelHash != nil) == kind.recordsModel,
            "\(kind.withArticle) \(kind.recordsModel ? "records" : "does not record") the model's hash")
        self.kind = kind
        version = kind.version
        self.modelHash = modelHash
    }

    /// Writes `format` and `version` (kinds with a format) and `model_hash` at `root`.
    public func write(to root: HDF5Group) throws {
        if let format = kind.format {
            try root.setAttribute("format", .string(format))
            try root.setAttribute("version", .int(version))
        }
        if let modelHash { try root.setAttribute("model_hash", .string(modelHash)) }
    }

    /// The header of the file at `root`, opened from `path` as `kind` (`FileKind.open`, which has
    /// refused a file of another kind or from a newer vtv). A kind that records the model needs
    /// `model_hash` (a file without it is damaged: the error names the attribute).
    public init(reading root: HDF5Group, kind: FileKind, path: String) throws {
        self.kind = kind
        version = try kind.version(of: root, path: path)
        modelHash = kind.recordsModel ? (try root.attribute("model_hash").stringValue ?? "") : nil
    }
}
