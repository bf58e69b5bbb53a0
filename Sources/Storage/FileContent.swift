import Foundation

/// What a file that vtv cannot read as HDF5 is, in words for an error message: its kind guessed from
/// its first bytes (a PyTorch checkpoint handed to `--model` is a common slip), or why it cannot be
/// opened at all, as the system says it (strerror), never Foundation's own text.
public enum FileContent {
    /// A short description of the file's content from its first bytes ("a zip archive (a PyTorch
    /// checkpoint?)", "a PNG image", "empty"), or nil when the bytes say nothing known.
    public static func sniff(_ path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        let head = [UInt8](handle.readData(ofLength: 8))
        func starts(_ magic: [UInt8]) -> Bool { head.starts(with: magic) }
        if head.isEmpty { return "an empty file" }
        if starts([0x50, 0x4B, 0x03, 0x04]) { return "a zip archive (a PyTorch checkpoint?)" }
        // Legacy torch.save files open with a pickle PROTO opcode (0x80) and a small protocol number.
        if head.count >= 2, head[0] == 0x80, (2...5).contains(head[1]) {
            return "a Python pickle (a legacy PyTorch checkpoint?)"
        }
        if starts([0x89, 0x50, 0x4E, 0x47]) { return "a PNG image" }
        if starts([0xFF, 0xD8, 0xFF]) { return "a JPEG image" }
        if starts(Array("{".utf8)) || starts(Array("[".utf8)) { return "text (JSON?)" }
        if head.allSatisfy({ $0 == 9 || $0 == 10 || $0 == 13 || (32...126).contains($0) }) { return "a text file" }
        return nil
    }

    /// Why `path` cannot be opened for reading ("no such file or directory", "it is a folder",
    /// "permission denied"), or nil when it can.
    public static func whyUnreadable(_ path: String) -> String? {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue {
            return "it is a folder"
        }
        let descriptor = Foundation.open(path, O_RDONLY)
        guard descriptor < 0 else {
            close(descriptor)
            return nil
        }
        return systemReason(errno)
    }

    /// The system's description of `code`, lower-cased as the middle of a sentence ("no such file or directory").
    public static func systemReason(_ code: Int32) -> String {
        let text = String(cString: strerror(code))
        return text.prefix(1).lowercased() + text.dropFirst()
    }
}
