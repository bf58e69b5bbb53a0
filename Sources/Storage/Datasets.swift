import CHDF5
import Foundation

extension HDF5Group {
    /// Writes `values` (row-major for `shape`; `[]` is a scalar) as a dataset at `path`, replacing
    /// any dataset already there and creating missing parent groups.
    public func write<T: HDF5Element>(
        _ path: String, _ values: [T], shape: [Int],
        compression: HDF5Compression = .none, checksum: Bool = true
    ) throws {
        try values.withUnsafeBufferPointer {
            try write(path, $0, shape: shape, compression: compression, checksum: checksum)
        }
    }

    /// Writes `values` from memory the caller owns (a mapped file, say) without copying them first;
    /// otherwise as `write(_:_:shape:compression:)` with an array.
    ///
    /// With `checksum` (the default) a non-empty, non-scalar dataset is stored in chunks of at most
    /// 4 MiB (or the compression's rows) each with HDF5's Fletcher32 checksum, verified by HDF5 on
    /// every read: a damaged value is refused as corruption instead of read. (The model file opts
    /// out: its content hash covers every weight.)
    public func write<T: HDF5Element>(
        _ path: String, _ values: UnsafeBufferPointer<T>, shape: [Int],
        compression: HDF5Compression = .none, checksum: Bool = true
    ) throws {
        guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == values.count else {
            throw error(.invalidArgument("\(values.count) values do not fill shape \(shape)"), path)
        }
        try remove(path)
        let space = try Dataspace(shape: shape, failure: error(.callFailed("H5Screate"), path))
        defer { space.close() }
        let lcpl = try LinkCreationList(error(.callFailed("H5Pcreate(link)"), path))
        defer { lcpl.close() }
        let dcpl = H5Pcreate(vtv_h5p_dataset_create())
        guard dcpl >= 0 else { throw error(.callFailed("H5Pcreate(dataset)"), path) }
        defer { H5Pclose(dcpl) }
        let chunked = !shape.isEmpty && !shape.contains(0)
        if chunked, case let .gzip(level, rows) = compression {
            var chunk = shape.map { hsize_t($0) }
            chunk[0] = hsize_t(max(1, min(rows, shape[0])))
            guard H5Pset_chunk(dcpl, Int32(shape.count), &chunk) >= 0,
                H5Pset_deflate(dcpl, UInt32(max(0, min(9, level)))) >= 0
            else {
                throw error(.callFailed("H5Pset_chunk/H5Pset_deflate"), path)
            }
        } else if chunked && checksum {
            var chunk = shape.map { hsize_t($0) }
            let rowBytes = shape.dropFirst().reduce(MemoryLayout<T>.stride, *)
            chunk[0] = hsize_t(max(1, min(shape[0], (4 << 20) / max(1, rowBytes))))
            guard H5Pset_chunk(dcpl, Int32(shape.count), &chunk) >= 0 else {
                throw error(.callFailed("H5Pset_chunk"), path)
            }
        }
        if chunked && checksum {
            guard H5Pset_fletcher32(dcpl) >= 0 else { throw error(.callFailed("H5Pset_fletcher32"), path) }
        }
        let type = T.hdf5Kind.nativeType
        let dset = H5Dcreate2(id, path, type, space.id, lcpl.id, dcpl, vtv_h5p_default())
        guard dset >= 0 else { throw error(.callFailed("H5Dcreate2"), path) }
        defer { H5Dclose(dset) }
        if values.isEmpty { return }
        let status = H5Dwrite(
            dset, type, vtv_h5s_all(), vtv_h5s_all(), vtv_h5p_default(), UnsafeRawPointer(values.baseAddress))
        guard status >= 0 else { throw error(.callFailed("H5Dwrite"), path) }
    }

    /// Reads the dataset at `path`, which must hold exactly `T`'s element type and, when
    /// `shape` is given, exactly that shape. Errors say what was found instead.
    public func read<T: HDF5Element>(
        _ path: String, as type: T.Type = T.self,
        shape expected: [Int]? = nil
    ) throws -> HDF5Array<T> {
        try read(path, as: type, shape: expected, converting: false)
    }

    /// Reads any numeric dataset at `path` converted to `T` (HDF5 converts element types).
    public func readConverting<T: HDF5Element>(
        _ path: String, as type: T.Type = T.self,
        shape expected: [Int]? = nil
    ) throws -> HDF5Array<T> {
        try read(path, as: type, shape: expected, converting: true)
    }

    private func read<T: HDF5Element>(
        _ path: String, as _: T.Type, shape expected: [Int]?,
        converting: Bool
    ) throws -> HDF5Array<T> {
        let dset = try openDataset(path)
        defer { H5Dclose(dset) }
        let stored = try storedKind(dset, path)
        if !converting && stored != T.hdf5Kind {
            throw error(.wrongType(expected: T.hdf5Kind.rawValue, found: stored.rawValue), path)
        }
        let shape = try datasetShape(dset, path)
        if let expected, expected != shape {
            throw error(.wrongShape(expected: expected, found: shape), path)
        }
        var values = [T](repeating: T.zero, count: try elementCount(shape, of: T.self, path))
        if values.isEmpty { return HDF5Array(shape: shape, values: values) }
        let status = values.withUnsafeMutableBytes {
            H5Dread(dset, T.hdf5Kind.nativeType, vtv_h5s_all(), vtv_h5s_all(), vtv_h5p_default(), $0.baseAddress)
        }
        guard status >= 0 else { throw error(.callFailed("H5Dread"), path) }
        return HDF5Array(shape: shape, values: values)
    }

    /// The shape of the dataset at `path` (`[]` for a scalar).
    public func shape(of path: String) throws -> [Int] {
        let dset = try openDataset(path)
        defer { H5Dclose(dset) }
        return try datasetShape(dset, path)
    }

    /// The element type of the dataset at `path`.
    public func elementKind(of path: String) throws -> HDF5ElementKind {
        let dset = try openDataset(path)
        defer { H5Dclose(dset) }
        return try storedKind(dset, path)
    }

    // MARK: Internals

    private func openDataset(_ path: String) throws -> hid_t {
        guard exists(path) else { throw error(.missingObject, path) }
        let dset = H5Dopen2(id, path, vtv_h5p_default())
        guard dset >= 0 else { throw error(.wrongType(expected: "a dataset", found: "a group"), path) }
        return dset
    }

    /// The number of elements of `shape`, refused before any allocation when the product overflows
    /// or the values would not fit in this machine's memory (a damaged or hostile dataspace).
    private func elementCount<T>(_ shape: [Int], of _: T.Type, _ path: String) throws -> Int {
        var count = 1
        for dimension in shape {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard !overflow, dimension >= 0 else {
                throw error(.invalidArgument("shape \(shape) has more elements than can be counted"), path)
            }
            count = product
        }
        let memory = Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
        let bytes = Double(count) * Double(MemoryLayout<T>.stride)
        guard memory <= 0 || bytes <= memory else {
            throw error(
                .invalidArgument("shape \(shape) needs \(Int(bytes / 1e9)) GB, more than this machine's memory"), path)
        }
        return count
    }

    private func storedKind(_ dset: hid_t, _ path: String) throws -> HDF5ElementKind {
        let type = H5Dget_type(dset)
        guard type >= 0 else { throw error(.callFailed("H5Dget_type"), path) }
        defer { H5Tclose(type) }
        guard let kind = HDF5ElementKind(storedType: type) else {
            throw error(.wrongType(expected: "a numeric dataset", found: "a non-numeric type"), path)
        }
        return kind
    }

    private func datasetShape(_ dset: hid_t, _ path: String) throws -> [Int] {
        let space = H5Dget_space(dset)
        guard space >= 0 else { throw error(.callFailed("H5Dget_space"), path) }
        defer { H5Sclose(space) }
        return try Dataspace.dimensions(space, failure: error(.callFailed("H5Sget_simple_extent_dims"), path))
    }
}

/// A simple (or scalar, for shape `[]`) dataspace.
struct Dataspace {
    let id: hid_t

    init(shape: [Int], failure: @autoclosure () -> HDF5Error) throws {
        if shape.isEmpty {
            id = H5Screate(H5S_SCALAR)
        } else {
            var dims = shape.map { hsize_t($0) }
            id = H5Screate_simple(Int32(shape.count), &dims, nil)
        }
        guard id >= 0 else { throw failure() }
    }

    func close() { _ = H5Sclose(id) }

    static func dimensions(_ space: hid_t, failure: @autoclosure () -> HDF5Error) throws -> [Int] {
        let rank = H5Sget_simple_extent_ndims(space)
        guard rank >= 0 else { throw failure() }
        if rank == 0 { return [] }
        var dims = [hsize_t](repeating: 0, count: Int(rank))
        guard H5Sget_simple_extent_dims(space, &dims, nil) >= 0 else { throw failure() }
        return dims.map { Int($0) }
    }
}
