import CHDF5

/// Datasets written and read one row (one index of the first dimension) at a time, each row a chunk
/// of its own: a writer streams rows without holding the dataset, and a reader (vtv, or h5py's
/// `d[i]`) reads one row without loading the rest. Rows carry Fletcher32 checksums like every
/// dataset vtv writes (`write`), and may be deflated.
extension HDF5Group {
    /// Creates the dataset at `path` with `shape` ([rows, ...]; rows >= 1, no zero dimension), one
    /// chunk per row, deflated at `gzipLevel` (0...9) when given; rows not yet written read as zero.
    /// One row must stay below HDF5's 4 GiB chunk limit.
    public func createRowDataset<T: HDF5Element>(
        _ path: String, of _: T.Type, shape: [Int], gzipLevel: Int? = nil
    ) throws {
        guard shape.count >= 1, shape.allSatisfy({ $0 >= 1 }) else {
            throw error(.invalidArgument("a row dataset needs rows and no empty dimension, got \(shape)"), path)
        }
        let rowBytes = shape.dropFirst().reduce(MemoryLayout<T>.stride, *)
        guard rowBytes < Int(UInt32.max) else {
            throw error(
                .invalidArgument("one row of \(shape) is \(rowBytes) bytes, over HDF5's 4 GiB chunk limit"), path)
        }
        try remove(path)
        let space = try Dataspace(shape: shape, failure: error(.callFailed("H5Screate"), path))
        defer { space.close() }
        let lcpl = try LinkCreationList(error(.callFailed("H5Pcreate(link)"), path))
        defer { lcpl.close() }
        let dcpl = H5Pcreate(vtv_h5p_dataset_create())
        guard dcpl >= 0 else { throw error(.callFailed("H5Pcreate(dataset)"), path) }
        defer { H5Pclose(dcpl) }
        var chunk = shape.map { hsize_t($0) }
        chunk[0] = 1
        guard H5Pset_chunk(dcpl, Int32(shape.count), &chunk) >= 0 else {
            throw error(.callFailed("H5Pset_chunk"), path)
        }
        if let gzipLevel {
            guard H5Pset_deflate(dcpl, UInt32(max(0, min(9, gzipLevel)))) >= 0 else {
                throw error(.callFailed("H5Pset_deflate"), path)
            }
        }
        guard H5Pset_fletcher32(dcpl) >= 0 else { throw error(.callFailed("H5Pset_fletcher32"), path) }
        let dset = H5Dcreate2(id, path, T.hdf5Kind.nativeType, space.id, lcpl.id, dcpl, vtv_h5p_default())
        guard dset >= 0 else { throw error(.callFailed("H5Dcreate2"), path) }
        H5Dclose(dset)
    }

    /// Writes row `row` of the dataset at `path` (made by `createRowDataset`): `values` fill one row.
    public func writeRow<T: HDF5Element>(_ path: String, row: Int, _ values: [T]) throws {
        try withRow(path, row: row, elementType: T.self, count: values.count) { dset, memory, file in
            values.withUnsafeBytes {
                H5Dwrite(dset, T.hdf5Kind.nativeType, memory, file, vtv_h5p_default(), $0.baseAddress)
            }
        }
    }

    /// Row `row` of the dataset at `path`, which must hold `T` exactly: shape = the dataset's without
    /// its first dimension. Only that row's chunk is read.
    public func readRow<T: HDF5Element>(_ path: String, row: Int, as _: T.Type = T.self) throws -> HDF5Array<T> {
        let shape = try self.shape(of: path)
        guard try elementKind(of: path) == T.hdf5Kind else {
            throw error(.wrongType(expected: T.hdf5Kind.rawValue, found: try elementKind(of: path).rawValue), path)
        }
        let rowShape = Array(shape.dropFirst())
        var values = [T](repeating: T.zero, count: rowShape.reduce(1, *))
        try withRow(path, row: row, elementType: T.self, count: values.count) { dset, memory, file in
            values.withUnsafeMutableBytes {
                H5Dread(dset, T.hdf5Kind.nativeType, memory, file, vtv_h5p_default(), $0.baseAddress)
            }
        }
        return HDF5Array(shape: rowShape, values: values)
    }

    /// Selects row `row` of the dataset at `path` and runs `transfer` (H5Dwrite or H5Dread) on it.
    private func withRow<T: HDF5Element>(
        _ path: String, row: Int, elementType _: T.Type, count: Int,
        _ transfer: (_ dataset: hid_t, _ memorySpace: hid_t, _ fileSpace: hid_t) -> herr_t
    ) throws {
        let shape = try self.shape(of: path)
        guard !shape.isEmpty, (0..<shape[0]).contains(row) else {
            throw error(.invalidArgument("row \(row) is outside the \(shape.first ?? 0) rows of shape \(shape)"), path)
        }
        guard shape.dropFirst().reduce(1, *) == count else {
            throw error(.invalidArgument("\(count) values do not fill a row of shape \(shape)"), path)
        }
        let dset = H5Dopen2(id, path, vtv_h5p_default())
        guard dset >= 0 else { throw error(.callFailed("H5Dopen2"), path) }
        defer { H5Dclose(dset) }
        let fileSpace = H5Dget_space(dset)
        guard fileSpace >= 0 else { throw error(.callFailed("H5Dget_space"), path) }
        defer { H5Sclose(fileSpace) }
        var start = [hsize_t](repeating: 0, count: shape.count)
        start[0] = hsize_t(row)
        var block = shape.map { hsize_t($0) }
        block[0] = 1
        guard H5Sselect_hyperslab(fileSpace, H5S_SELECT_SET, start, nil, block, nil) >= 0 else {
            throw error(.callFailed("H5Sselect_hyperslab"), path)
        }
        let memory = try Dataspace(shape: [count], failure: error(.callFailed("H5Screate"), path))
        defer { memory.close() }
        guard transfer(dset, memory.id, fileSpace) >= 0 else {
            throw error(.callFailed("row \(row) transfer"), path)
        }
    }
}
