/// A failure in the HDF5 layer, always naming the file and the object path involved.
public struct HDF5Error: Error, CustomStringConvertible, Equatable {
    public enum Kind: Equatable {
        /// The file does not exist or cannot be read.
        case fileNotFound
        /// The file exists but is not an HDF5 file, or is truncated/corrupted.
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
    }

    public let kind: Kind
    public let file: String
    public let object: String

    public init(_ kind: Kind, file: String, object: String = "/") {
        self.kind = kind
        self.file = file
        self.object = object
    }

    public var description: String {
        switch kind {
        case .fileNotFound:
            return "\(file): no such file or it cannot be read"
        case .notHDF5:
            return "\(file): not an HDF5 file (or it is truncated or corrupted)"
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
        }
    }
}
