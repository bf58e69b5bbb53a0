import CHDF5
import Foundation
import Outputs

/// An open HDF5 file. Files opened with `create` are written under a temporary name next to
/// the destination (`StagedFile`) and only appear at `path` after `commit()`; a file never
/// committed (an error, a full disk, a signal, a crash) leaves nothing at `path`, and whatever
/// was there before stays intact.
///
/// Integrity, in three layers, so damage anywhere is refused as corruption: a checksum of the whole
/// file in its user block, checked before HDF5 parses it (`FileChecksum`); the 1.10 format, whose
/// metadata carries checksums, with Fletcher32 on every dataset (`HDF5Group.write`); and a
/// checksum of every attribute value (`AttributeChecksum`), for strings in the unchecked global heap.
public final class HDF5File {
    /// The path the caller named (the destination, for created files).
    public let path: String
    let id: hid_t
    private let staged: StagedFile?
    /// Opened for reading and writing: closing it seals it again (both checksums recomputed), so
    /// an edit made through vtv's own API leaves a file vtv accepts.
    private let editing: Bool
    private var isOpen = true

    private init(path: String, id: hid_t, staged: StagedFile?, editing: Bool = false) {
        self.path = path
        self.id = id
        self.staged = staged
        self.editing = editing
    }

    /// Opens an existing file for reading (or for reading and writing).
    public static func open(_ path: String, writable: Bool = false) throws -> HDF5File {
        HDF5Library.prepare()
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw HDF5Error(.fileNotFound, file: path)
        }
        // Opened for writing, the file is being edited and will be sealed again on close; no
        // command does that (tests and tools that make damaged-but-consistent files do).
        if !writable { try FileChecksum.verify(path) }
        let isHDF5 = H5Fis_hdf5(path)
        if isHDF5 < 0 { throw HDF5Error.fromStack(default: .notHDF5, file: path) }
        guard isHDF5 > 0 else { throw HDF5Error(.notHDF5, file: path) }
        let id = H5Fopen(path, writable ? vtv_h5f_acc_rdwr() : vtv_h5f_acc_rdonly(), vtv_h5p_default())
        // The signature says HDF5, so a file that will not open is damaged (or locked by a writer).
        guard id >= 0 else { throw HDF5Error.fromStack(default: .corrupted("its metadata cannot be read"), file: path) }
        let file = HDF5File(path: path, id: id, staged: nil, editing: writable)
        if !writable { try AttributeChecksum.verify(file) }
        return file
    }

    /// Starts a new file that will replace `path` on `commit()`.
    public static func create(_ path: String) throws -> HDF5File {
        HDF5Library.prepare()
        let staged = StagedFile(destination: path)
        let fapl = H5Pcreate(vtv_h5p_file_access())
        guard fapl >= 0 else { throw HDF5Error(.callFailed("H5Pcreate(file access)"), file: path) }
        defer { H5Pclose(fapl) }
        guard H5Pset_libver_bounds(fapl, vtv_h5f_libver_latest(), vtv_h5f_libver_latest()) >= 0 else {
            throw HDF5Error(.callFailed("H5Pset_libver_bounds"), file: path)
        }
        // Closing must really close, even while a group or dataset of the file is still open
        // somewhere: the file checksum is computed right after, and the file published.
        guard H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) >= 0 else {
            throw HDF5Error(.callFailed("H5Pset_fclose_degree"), file: path)
        }
        let fcpl = H5Pcreate(vtv_h5p_file_create())
        guard fcpl >= 0 else { throw HDF5Error(.callFailed("H5Pcreate(file create)"), file: path) }
        defer { H5Pclose(fcpl) }
        guard H5Pset_userblock(fcpl, hsize_t(FileChecksum.blockSize)) >= 0 else {
            throw HDF5Error(.callFailed("H5Pset_userblock"), file: path)
        }
        let id = H5Fcreate(staged.temporary, vtv_h5f_acc_excl(), fcpl, fapl)
        guard id >= 0 else {
            let reason = String(cString: strerror(errno))
            staged.discard()
            throw HDF5Error.fromStack(
                default: .writeFailed("cannot create a file in its folder (\(reason))"), file: path)
        }
        return HDF5File(path: path, id: id, staged: staged)
    }

    /// The root group `/`.
    public var root: HDF5Group { HDF5Group(file: self, id: id, name: "/") }

    /// Flushes and closes a created file, then publishes it (`StagedFile.publish`: at once, or
    /// with the command's other outputs). For files opened with `open`, this simply closes them.
    public func commit() throws {
        guard isOpen else { return }
        if staged != nil || (editing && root.hasAttribute(AttributeChecksum.name)) {
            do {
                try AttributeChecksum.write(self)
            } catch {
                discard()
                throw error
            }
        }
        isOpen = false
        guard H5Fclose(id) >= 0 else {
            let error = HDF5Error.fromStack(default: .writeFailed("the file could not be completed"), file: path)
            staged?.discard()
            throw error
        }
        do {
            if let staged { try FileChecksum.stamp(staged.temporary) }
            if editing && FileChecksum.isStamped(path) { try FileChecksum.stamp(path) }
            try staged?.publish()
        } catch let error as HDF5Error {
            staged?.discard()
            throw HDF5Error(error.kind, file: path)
        } catch let error as OutputError {
            throw HDF5Error(.writeFailed(error.description), file: path)
        }
    }

    /// Closes without publishing: a created file's temporary is deleted.
    public func discard() {
        guard isOpen else { return }
        isOpen = false
        _ = H5Fclose(id)
        staged?.discard()
    }

    deinit { discard() }
}

/// One-time library setup. HDF5's own error printing is silenced, since every failure becomes a
/// thrown `HDF5Error` with the file and object named; and HDF5 is told not to run its clean-up at
/// exit: after a failed close (a full disk) that clean-up retries the flush and crashes, while
/// the operating system releases everything it would have released anyway.
enum HDF5Library {
    private static let once: Void = {
        _ = H5dont_atexit()
        _ = vtv_h5_silence_errors()
    }()

    static func prepare() { _ = once }

    /// The linked library's version, e.g. "1.10.8".
    static var version: String {
        let v = Int(vtv_h5_version())
        return "\(v / 10000).\(v / 100 % 100).\(v % 100)"
    }

    /// The descriptions on HDF5's error stack after a failed call, innermost first.
    static func errorStack() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        vtv_h5e_describe(&buffer, buffer.count)
        return String(cString: buffer)
    }
}

/// The HDF5 library version vtv is linked against, e.g. "1.10.8".
public var hdf5LibraryVersion: String { HDF5Library.version }
