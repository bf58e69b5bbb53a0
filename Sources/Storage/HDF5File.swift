import CHDF5
import Foundation

/// An open HDF5 file. Files opened with `create` are written under a temporary name next to
/// the destination and only appear at `path` after `commit()`; a file never committed (an error,
/// a crash) leaves nothing at `path`.
public final class HDF5File {
    /// The path the caller named (the destination, for created files).
    public let path: String
    let id: hid_t
    private let temporaryPath: String?
    private var isOpen = true

    private init(path: String, id: hid_t, temporaryPath: String?) {
        self.path = path
        self.id = id
        self.temporaryPath = temporaryPath
    }

    /// Opens an existing file for reading (or for reading and writing).
    public static func open(_ path: String, writable: Bool = false) throws -> HDF5File {
        HDF5Library.prepare()
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw HDF5Error(.fileNotFound, file: path)
        }
        guard H5Fis_hdf5(path) > 0 else {
            throw HDF5Error(.notHDF5, file: path)
        }
        let id = H5Fopen(path, writable ? vtv_h5f_acc_rdwr() : vtv_h5f_acc_rdonly(), vtv_h5p_default())
        guard id >= 0 else { throw HDF5Error(.notHDF5, file: path) }
        return HDF5File(path: path, id: id, temporaryPath: nil)
    }

    /// Starts a new file that will replace `path` on `commit()`.
    public static func create(_ path: String) throws -> HDF5File {
        HDF5Library.prepare()
        let directory = (path as NSString).deletingLastPathComponent
        let base = (path as NSString).lastPathComponent
        let temporary = (directory.isEmpty ? "" : directory + "/")
            + ".\(base).tmp-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        let id = H5Fcreate(temporary, vtv_h5f_acc_trunc(), vtv_h5p_default(), vtv_h5p_default())
        guard id >= 0 else {
            throw HDF5Error(.callFailed("H5Fcreate (is the folder writable?)"), file: path)
        }
        return HDF5File(path: path, id: id, temporaryPath: temporary)
    }

    /// The root group `/`.
    public var root: HDF5Group { HDF5Group(file: self, id: id, name: "/") }

    /// Flushes and closes a created file, then renames it into place atomically.
    /// For files opened with `open`, this simply closes them.
    public func commit() throws {
        guard isOpen else { return }
        isOpen = false
        guard H5Fclose(id) >= 0 else {
            throw HDF5Error(.callFailed("H5Fclose"), file: path)
        }
        if let temporaryPath {
            guard rename(temporaryPath, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporaryPath)
                throw HDF5Error(.callFailed("rename to destination (\(reason))"), file: path)
            }
        }
    }

    /// Closes without publishing: a created file's temporary is deleted.
    public func discard() {
        guard isOpen else { return }
        isOpen = false
        _ = H5Fclose(id)
        if let temporaryPath { unlink(temporaryPath) }
    }

    deinit { discard() }
}

/// One-time library setup: HDF5's own error printing is silenced, since every failure
/// becomes a thrown `HDF5Error` with the file and object named.
enum HDF5Library {
    private static let once: Void = {
        _ = vtv_h5_silence_errors()
    }()

    static func prepare() { _ = once }

    /// The linked library's version, e.g. "1.10.8".
    static var version: String {
        let v = Int(vtv_h5_version())
        return "\(v / 10000).\(v / 100 % 100).\(v % 100)"
    }
}

/// The HDF5 library version vtv is linked against, e.g. "1.10.8".
public var hdf5LibraryVersion: String { HDF5Library.version }
