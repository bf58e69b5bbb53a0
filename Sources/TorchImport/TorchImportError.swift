/// A failure reading a PyTorch checkpoint, always naming the file and saying what was wrong with it.
///
/// `kind` is stable and meant for code (tests, the converter's retry logic); `detail` is for people.
public struct TorchImportError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable, Sendable {
        /// The file does not exist, is not a regular file, or cannot be mapped.
        case cannotOpen
        /// Neither a `torch.save` zip archive nor a legacy (pre-1.6) `torch.save` pickle stream.
        case notPyTorchFile
        /// A zip archive whose end (central directory or the data it points at) is missing.
        case truncatedZip
        /// A legacy `torch.save` file that ends inside its pickles or its raw storages.
        case truncatedLegacyFile
        /// A zip archive whose structures are inconsistent (bad signatures, impossible offsets).
        case malformedZip
        /// A record this reader needs is missing (e.g. `data.pkl`, `data/<key>`).
        case missingRecord
        /// A zip entry that is compressed or encrypted; `torch.save` stores entries uncompressed.
        case compressedEntry
        /// The pickle program is invalid (stack underflow, bad operand, unknown memo slot, ...).
        case malformedPickle
        /// Valid input that this reader deliberately does not handle (an opcode, a dtype, big-endian data).
        case unsupported
        /// A tensor was expected, but the pickle builds an object of a global this reader does not know.
        case unknownGlobal
        /// A tensor was expected, but the pickle holds some other plain value.
        case notATensor
        /// A tensor view or a storage reaches beyond the bytes that hold it.
        case storageOutOfBounds
        /// No state dict: the top level is not a dict, or holds neither `model` nor `state_dict`.
        case noStateDict
        /// Sizes no saved tensor can have: element counts whose sum passes `Int.max`, which only
        /// stride-0 views of a crafted or damaged file can claim.
        case implausibleSize
    }

    public let kind: Kind
    public let file: String
    public let detail: String

    public init(_ kind: Kind, file: String, _ detail: String) {
        self.kind = kind
        self.file = file
        self.detail = detail
    }

    public var description: String {
        let what: String
        switch kind {
        case .cannotOpen: what = "cannot open"
        case .notPyTorchFile: what = "not a PyTorch checkpoint"
        case .truncatedZip: what = "truncated zip checkpoint"
        case .truncatedLegacyFile: what = "truncated legacy (pre-1.6) checkpoint"
        case .malformedZip: what = "malformed zip archive"
        case .missingRecord: what = "missing record"
        case .compressedEntry: what = "compressed zip entry"
        case .malformedPickle: what = "malformed pickle"
        case .unsupported: what = "unsupported content"
        case .unknownGlobal: what = "unknown global where a tensor is expected"
        case .notATensor: what = "not a tensor"
        case .storageOutOfBounds: what = "storage out of bounds"
        case .noStateDict: what = "no state dict"
        case .implausibleSize: what = "implausible size"
        }
        return "\(file): \(what): \(detail)"
    }
}
