import Foundation

/// What a path refers to on disk, so that two spellings of one file compare equal: `x.h5`,
/// `./x.h5`, a symbolic link to it and a hard link to it all have one identity.
enum FileIdentity: Hashable {
    /// An existing file: its device and inode (symbolic links followed).
    case file(device: UInt64, inode: UInt64)
    /// A file that does not exist yet: the identity of its folder and its name there.
    case entry(folderDevice: UInt64, folderInode: UInt64, name: String)
    /// A file in a folder that does not exist yet: its path made absolute.
    case path(String)

    init(_ path: String) {
        if let (device, inode) = FileIdentity.deviceAndInode(path) {
            self = .file(device: device, inode: inode)
            return
        }
        let parts = PathParts(path)
        if let (device, inode) = FileIdentity.deviceAndInode(parts.folder) {
            self = .entry(folderDevice: device, folderInode: inode, name: parts.name)
        } else {
            self = .path(URL(fileURLWithPath: path).standardizedFileURL.path)
        }
    }

    private static func deviceAndInode(_ path: String) -> (UInt64, UInt64)? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return (UInt64(info.st_dev), UInt64(info.st_ino))
    }
}

/// What kind of entry a path names, following symbolic links.
enum EntryKind {
    case missing, regularFile, folder, other

    init(_ path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { self = .missing; return }
        switch info.st_mode & S_IFMT {
        case S_IFREG: self = .regularFile
        case S_IFDIR: self = .folder
        default: self = .other
        }
    }
}
