import CHDF5
import Foundation

extension HDF5Group {
    /// Sets attribute `name` on the object at `path` (this group by default), replacing any old value.
    /// Strings are stored as variable-length UTF-8, as h5py writes and reads them.
    public func setAttribute(_ name: String, _ value: HDF5Attribute, on path: String = ".") throws {
        let object = try openObject(path)
        defer { H5Oclose(object) }
        if H5Aexists(object, name) > 0 {
            guard H5Adelete(object, name) >= 0 else { throw error(.callFailed("H5Adelete(\(name))"), path) }
        }
        let failure = error(.callFailed("H5Acreate2/H5Awrite(\(name))"), path)
        switch value {
        case .int(let v):
            try writeNumeric(object, name, [Int64(v)], shape: [], type: vtv_h5t_native_int64(), failure)
        case .ints(let v):
            try writeNumeric(object, name, v.map(Int64.init), shape: [v.count], type: vtv_h5t_native_int64(), failure)
        case .double(let v):
            try writeNumeric(object, name, [v], shape: [], type: vtv_h5t_native_double(), failure)
        case .doubles(let v):
            try writeNumeric(object, name, v, shape: [v.count], type: vtv_h5t_native_double(), failure)
        case .string(let v):
            try writeStrings(object, name, [v], shape: [], failure)
        case .strings(let v):
            try writeStrings(object, name, v, shape: [v.count], failure)
        }
    }

    /// Reads attribute `name` of the object at `path`.
    public func attribute(_ name: String, of path: String = ".") throws -> HDF5Attribute {
        let object = try openObject(path)
        defer { H5Oclose(object) }
        guard H5Aexists(object, name) > 0 else {
            throw HDF5Error(.missingObject, file: file.path, object: absolute(path) + "@" + name)
        }
        let attr = H5Aopen(object, name, vtv_h5p_default())
        guard attr >= 0 else { throw error(.callFailed("H5Aopen(\(name))"), path) }
        defer { H5Aclose(attr) }
        let failure = error(.callFailed("H5Aread(\(name))"), path)
        let type = H5Aget_type(attr), space = H5Aget_space(attr)
        guard type >= 0, space >= 0 else { throw failure }
        defer { H5Tclose(type); H5Sclose(space) }
        let shape = try Dataspace.dimensions(space, failure: failure)
        let count = shape.reduce(1, *)
        switch H5Tget_class(type) {
        case H5T_INTEGER:
            var values = [Int64](repeating: 0, count: count)
            guard H5Aread(attr, vtv_h5t_native_int64(), &values) >= 0 else { throw failure }
            return shape.isEmpty ? .int(Int(values[0])) : .ints(values.map { Int($0) })
        case H5T_FLOAT:
            var values = [Double](repeating: 0, count: count)
            guard H5Aread(attr, vtv_h5t_native_double(), &values) >= 0 else { throw failure }
            return shape.isEmpty ? .double(values[0]) : .doubles(values)
        case H5T_STRING:
            let strings = try readStrings(attr, type: type, space: space, count: count, failure)
            return shape.isEmpty ? .string(strings[0]) : .strings(strings)
        default:
            throw HDF5Error(
                .wrongType(expected: "a string or numeric attribute", found: "another type"),
                file: file.path, object: absolute(path) + "@" + name)
        }
    }

    /// Whether the object at `path` has attribute `name`.
    public func hasAttribute(_ name: String, of path: String = ".") -> Bool {
        guard let object = try? openObject(path) else { return false }
        defer { H5Oclose(object) }
        return H5Aexists(object, name) > 0
    }

    /// Names of the attributes of the object at `path`, sorted.
    public func attributeNames(of path: String = ".") throws -> [String] {
        let object = try openObject(path)
        defer { H5Oclose(object) }
        final class Names { var list: [String] = [] }
        let names = Names()
        var index: hsize_t = 0
        let status = H5Aiterate2(
            object, H5_INDEX_NAME, H5_ITER_INC, &index,
            { _, name, _, context in
                guard let name, let context else { return -1 }
                Unmanaged<Names>.fromOpaque(context).takeUnretainedValue().list.append(String(cString: name))
                return 0
            }, Unmanaged.passUnretained(names).toOpaque())
        guard status >= 0 else { throw error(.callFailed("H5Aiterate2"), path) }
        return names.list.sorted()
    }

    // MARK: Internals

    func openObject(_ path: String) throws -> hid_t {
        guard exists(path) else { throw error(.missingObject, path) }
        let object = H5Oopen(id, path, vtv_h5p_default())
        guard object >= 0 else { throw error(.callFailed("H5Oopen"), path) }
        return object
    }

    private func writeNumeric<T>(
        _ object: hid_t, _ name: String, _ values: [T], shape: [Int],
        type: hid_t, _ failure: HDF5Error
    ) throws {
        let space = try Dataspace(shape: shape, failure: failure)
        defer { space.close() }
        let attr = H5Acreate2(object, name, type, space.id, vtv_h5p_default(), vtv_h5p_default())
        guard attr >= 0 else { throw failure }
        defer { H5Aclose(attr) }
        let status = values.withUnsafeBytes { H5Awrite(attr, type, $0.baseAddress) }
        guard status >= 0 else { throw failure }
    }

    private func writeStrings(
        _ object: hid_t, _ name: String, _ values: [String], shape: [Int],
        _ failure: HDF5Error
    ) throws {
        let type = try variableStringType(failure)
        defer { H5Tclose(type) }
        let space = try Dataspace(shape: shape, failure: failure)
        defer { space.close() }
        let attr = H5Acreate2(object, name, type, space.id, vtv_h5p_default(), vtv_h5p_default())
        guard attr >= 0 else { throw failure }
        defer { H5Aclose(attr) }
        let pointers: [UnsafeMutablePointer<CChar>?] = values.map { strdup($0) }
        defer { pointers.forEach { free($0) } }
        let status = pointers.withUnsafeBytes { H5Awrite(attr, type, $0.baseAddress) }
        guard status >= 0 else { throw failure }
    }

    private func readStrings(
        _ attr: hid_t, type: hid_t, space: hid_t, count: Int,
        _ failure: HDF5Error
    ) throws -> [String] {
        if H5Tis_variable_str(type) > 0 {
            let memory = try variableStringType(failure)
            defer { H5Tclose(memory) }
            var pointers = [UnsafeMutablePointer<CChar>?](repeating: nil, count: count)
            guard H5Aread(attr, memory, &pointers) >= 0 else { throw failure }
            let strings = pointers.map { $0.map { String(cString: $0) } ?? "" }
            _ = H5Dvlen_reclaim(memory, space, vtv_h5p_default(), &pointers)
            return strings
        }
        let size = H5Tget_size(type)
        var bytes = [UInt8](repeating: 0, count: size * count)
        guard H5Aread(attr, type, &bytes) >= 0 else { throw failure }
        return (0..<count).map { i in
            let slice = bytes[i * size..<(i + 1) * size].prefix { $0 != 0 }
            return String(decoding: slice, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        }
    }

    private func variableStringType(_ failure: HDF5Error) throws -> hid_t {
        let type = H5Tcopy(vtv_h5t_c_s1())
        guard type >= 0, H5Tset_size(type, vtv_h5t_variable()) >= 0,
            H5Tset_cset(type, H5T_CSET_UTF8) >= 0
        else { throw failure }
        return type
    }
}
