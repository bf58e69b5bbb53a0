import CHDF5
import Foundation

/// A group in an open HDF5 file. Paths are relative to this group ("a/b/c"); "." is the group itself.
public final class HDF5Group {
    /// The open file; kept alive as long as any of its groups is.
    public let file: HDF5File
    /// This group's absolute path in the file.
    public let name: String
    let id: hid_t
    private let ownsID: Bool

    init(file: HDF5File, id: hid_t, name: String, ownsID: Bool = false) {
        self.file = file
        self.id = id
        self.name = name
        self.ownsID = ownsID
    }

    deinit {
        if ownsID { _ = H5Gclose(id) }
    }

    func absolute(_ path: String) -> String {
        if path == "." { return name }
        if path.hasPrefix("/") { return path }
        return name == "/" ? "/" + path : name + "/" + path
    }

    /// The error to throw for `path`; a failed call is first classified from HDF5's error stack
    /// (a full disk, a lock, a failed checksum), which is why this must run right after the call.
    func error(_ kind: HDF5Error.Kind, _ path: String) -> HDF5Error {
        if case .callFailed = kind {
            return HDF5Error.fromStack(default: kind, file: file.path, object: absolute(path))
        }
        return HDF5Error(kind, file: file.path, object: absolute(path))
    }

    // MARK: Navigation

    /// Whether a group or dataset exists at `path` (every intermediate component is checked).
    public func exists(_ path: String) -> Bool {
        if path == "." || path.isEmpty { return true }
        var prefix = path.hasPrefix("/") ? "/" : ""
        for component in path.split(separator: "/") {
            prefix += (prefix.isEmpty || prefix == "/" ? "" : "/") + component
            guard H5Lexists(id, prefix, vtv_h5p_default()) > 0 else { return false }
        }
        return H5Oexists_by_name(id, path, vtv_h5p_default()) > 0
    }

    /// Opens the existing group at `path`.
    public func group(_ path: String) throws -> HDF5Group {
        guard exists(path) else { throw error(.missingObject, path) }
        let gid = H5Gopen2(id, path, vtv_h5p_default())
        guard gid >= 0 else { throw error(.wrongType(expected: "a group", found: "a dataset"), path) }
        return HDF5Group(file: file, id: gid, name: absolute(path), ownsID: true)
    }

    /// Opens the group at `path`, creating it and any missing parents.
    @discardableResult
    public func createGroup(_ path: String) throws -> HDF5Group {
        if exists(path) { return try group(path) }
        let lcpl = try LinkCreationList(error(.callFailed("H5Pcreate(link)"), path))
        let gid = H5Gcreate2(id, path, lcpl.id, vtv_h5p_default(), vtv_h5p_default())
        guard gid >= 0 else { throw error(.callFailed("H5Gcreate2"), path) }
        return HDF5Group(file: file, id: gid, name: absolute(path), ownsID: true)
    }

    /// Names of the group's direct children (groups and datasets), sorted by name.
    public func children(_ path: String = ".") throws -> [String] {
        let g = path == "." ? self : try group(path)
        var info = H5G_info_t()
        guard H5Gget_info(g.id, &info) >= 0 else { throw error(.callFailed("H5Gget_info"), path) }
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(g.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, vtv_h5p_default())
            guard length >= 0 else { throw error(.callFailed("H5Lget_name_by_idx"), path) }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            _ = H5Lget_name_by_idx(
                g.id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, vtv_h5p_default())
            names.append(String(cString: buffer))
        }
        return names.sorted()
    }

    /// Whether the object at `path` is a dataset (false for groups and missing objects).
    public func isDataset(_ path: String) -> Bool {
        guard exists(path) else { return false }
        let oid = H5Oopen(id, path, vtv_h5p_default())
        guard oid >= 0 else { return false }
        defer { H5Oclose(oid) }
        return H5Iget_type(oid) == H5I_DATASET
    }

    /// Removes the link at `path` (a dataset or a whole group), if present.
    public func remove(_ path: String) throws {
        guard exists(path) else { return }
        guard H5Ldelete(id, path, vtv_h5p_default()) >= 0 else { throw error(.callFailed("H5Ldelete"), path) }
    }
}

/// A link-creation property list that creates missing intermediate groups.
struct LinkCreationList {
    let id: hid_t
    init(_ failure: @autoclosure () -> HDF5Error) throws {
        id = H5Pcreate(vtv_h5p_link_create())
        guard id >= 0, H5Pset_create_intermediate_group(id, 1) >= 0 else { throw failure() }
    }
    func close() { _ = H5Pclose(id) }
}
