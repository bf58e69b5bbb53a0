/// A failure in the HDF5 layer, always naming the file and the object path involved.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable {
        /// The file does not exist or cannot be read.
        case fileNotFound
        /// The file exists but is not an HDF5 file (or is truncated before its signature).
        case notHDF5
        /// No group, dataset or attribute at the given path.
        case missingObject
        /// The stored element type is not the one the caller asked for.
        case wrongType(expected: String, found: String)
        /// The stored shape is not the one the caller asked for.
        case wrongShape(expected: [Int], found: [Int])
        /// An HDF5 library call returned an error.
        case callFailed(String)
        /// The caller passed values inconsistent with the shape, or a malformed request.
        case invalidArgument(String)
        /// A checksum failed or metadata could not be decoded: the file is damaged.
        case corrupted(String)
        /// Another process holds a lock on the file (a writer, e.g. h5py in mode 'r+' or 'a').
        case locked
        /// The disk (or quota) is full.
        case diskFull
        /// Creating, completing or publishing a new file failed for another reason.
        case writeFailed(String)
    }

    public let kind: Kind
    public let file: String
    public let object: String

    public init(_ kind: Kind, file: String, object: String = "/") {
        self.kind = kind
        self.file = file
        self.object = object
    }

    /// The error of a call that just failed, classified from HDF5's error stack (which the next
    /// HDF5 call clears, so this must come first): a full disk, a lock, a checksum or decoding
    /// failure; `fallback` when the stack says none of these.
    static func fromStack(default fallback: Kind, file: String, object: String = "/") -> HDF5Error {
        HDF5Error(classify(HDF5Library.errorStack()) ?? fallback, file: file, object: object)
    }

    /// The kind of failure HDF5's error descriptions `stack` describe, if one of ours.
    static func classify(_ stack: String) -> Kind? {
        let text = stack.lowercased()
        // errno 28 ENOSPC, 122 EDQUOT, 27 EFBIG (a file-size limit reads the same to a user).
        if text.contains("no space left") || text.contains("errno = 28,") || text.contains("errno = 122,")
            || text.contains("quota") || text.contains("errno = 27,") || text.contains("file too large")
        {
            return .diskFull
        }
        if text.contains("unable to lock file") || text.contains("file is already locked") { return .locked }
        let damage = [
            "checksum", "fletcher32", "bad version number", "bad object header", "bad signature",
            "wrong b-tree signature", "unable to load", "unable to decode", "invalid", "corrupt",
            "truncated file", "address of object past end", "addr overflow", "bad heap",
            "unable to deserialize", "can't read", "unable to read", "inflate() failed", "filter"
        ]
        if let found = damage.first(where: { text.contains($0) }) {
            let innermost = stack.split(separator: ";").first.map(String.init) ?? found
            return .corrupted(innermost.trimmingCharacters(in: .whitespaces))
        }
        return nil
    }

    public var description: String {
        switch kind {
        case .fileNotFound:
            return "\(file): no such file or it cannot be read"
        case .notHDF5:
            return "\(file): not an HDF5 file (or it is truncated)"
        case .missingObject:
            return "\(file): no object '\(object)'"
        case let .wrongType(expected, found):
            return "\(file): '\(object)' holds \(found), expected \(expected)"
        case let .wrongShape(expected, found):
            return "\(file): '\(object)' has shape \(found), expected \(expected)"
        case let .callFailed(call):
            return "\(file): HDF5 call \(call) failed on '\(object)'"
        case let .invalidArgument(message):
            return "\(file): '\(object)': \(message)"
        case let .corrupted(detail):
            let place = object == "/" ? "" : " at '\(object)'"
            return "\(file) is corrupted\(place) (HDF5: \(detail)); restore it from a copy or make it again"
        case .locked:
            return "\(file) is locked by another process that has it open for writing; "
                + "wait for it to finish (or close it) and try again"
        case .diskFull:
            return "cannot write \(file): no space left on the device (or the quota is full); "
                + "nothing was written there and any previous file is unchanged"
        case let .writeFailed(reason):
            return "cannot write \(file): \(reason); nothing was written there and any previous file is unchanged"
        }
    }
}
