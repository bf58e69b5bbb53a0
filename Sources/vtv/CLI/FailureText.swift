import Foundation
import Pipeline
import Storage

/// The text of a run-time failure. vtv's own errors describe themselves; an error from Foundation
/// that reached the top (a file API outside the readers' checks) is put in the same terms, the file
/// and the system's reason, since Foundation's text ("The file “x” couldn’t be opened ...",
/// NSCocoaErrorDomain codes) is written for apps, not for people at a terminal.
func failureText(_ error: Error) -> String {
    if let cocoa = error as? CocoaError {
        let path = cocoa.filePath ?? cocoa.url?.path ?? "a file"
        return "\(path): \(systemReason(cocoa))"
    }
    if let posix = error as? POSIXError { return FileContent.systemReason(posix.code.rawValue) }
    let ns = error as NSError
    if ns.domain == NSCocoaErrorDomain || ns.domain == NSPOSIXErrorDomain {
        let path = ns.userInfo[NSFilePathErrorKey] as? String ?? (ns.userInfo[NSURLErrorKey] as? URL)?.path ?? "a file"
        let reason =
            ns.domain == NSPOSIXErrorDomain ? FileContent.systemReason(Int32(ns.code)) : "a file operation failed"
        return "\(path): \(reason)"
    }
    return "\(error)"
}

/// The reason of a Foundation file error: the underlying POSIX error when there is one.
private func systemReason(_ error: CocoaError) -> String {
    if let posix = error.underlying as? POSIXError { return FileContent.systemReason(posix.code.rawValue) }
    if let underlying = error.underlying.map({ $0 as NSError }), underlying.domain == NSPOSIXErrorDomain {
        return FileContent.systemReason(Int32(underlying.code))
    }
    switch error.code {
    case .fileNoSuchFile, .fileReadNoSuchFile: return "no such file or directory"
    case .fileReadNoPermission, .fileWriteNoPermission: return "permission denied"
    case .fileWriteOutOfSpace: return "no space left on device"
    case .fileWriteVolumeReadOnly: return "read-only file system"
    case .fileWriteFileExists: return "it already exists"
    case .fileReadCorruptFile, .fileReadInapplicableStringEncoding: return "its content cannot be read as expected"
    default: return "a file operation failed"
    }
}
