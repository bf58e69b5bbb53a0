import CHDF5

/// The element types vtv stores, named as numpy/h5py users know them.
public enum HDF5ElementKind: String, CaseIterable, Sendable {
    case float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64

    var nativeType: hid_t {
        switch self {
        case .float32: return vtv_h5t_native_float()
        case .float64: return vtv_h5t_native_double()
        case .int8: return vtv_h5t_native_int8()
        case .int16: return vtv_h5t_native_int16()
        case .int32: return vtv_h5t_native_int32()
        case .int64: return vtv_h5t_native_int64()
        case .uint8: return vtv_h5t_native_uint8()
        case .uint16: return vtv_h5t_native_uint16()
        case .uint32: return vtv_h5t_native_uint32()
        case .uint64: return vtv_h5t_native_uint64()
        }
    }

    /// Classifies a stored HDF5 type; nil for strings, compounds and other non-numeric types.
    init?(storedType type: hid_t) {
        let size = H5Tget_size(type)
        switch H5Tget_class(type) {
        case H5T_FLOAT:
            switch size {
            case 4: self = .float32
            case 8: self = .float64
            default: return nil
            }
        case H5T_INTEGER:
            let signed = H5Tget_sign(type) == H5T_SGN_2
            switch (size, signed) {
            case (1, true): self = .int8
            case (2, true): self = .int16
            case (4, true): self = .int32
            case (8, true): self = .int64
            case (1, false): self = .uint8
            case (2, false): self = .uint16
            case (4, false): self = .uint32
            case (8, false): self = .uint64
            default: return nil
            }
        default:
            return nil
        }
    }
}

/// A Swift scalar type with a fixed HDF5 counterpart.
public protocol HDF5Element {
    static var hdf5Kind: HDF5ElementKind { get }
    static var zero: Self { get }
}

extension Float: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .float32 }
}
extension Double: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .float64 }
}
extension Int8: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .int8 }
}
extension Int16: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .int16 }
}
extension Int32: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .int32 }
}
extension Int64: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .int64 }
}
extension UInt8: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .uint8 }
}
extension UInt16: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .uint16 }
}
extension UInt32: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .uint32 }
}
extension UInt64: HDF5Element {
    public static var hdf5Kind: HDF5ElementKind { .uint64 }
}

/// A dataset's contents: `values` in row-major (C) order for `shape`.
public struct HDF5Array<Element> {
    public var shape: [Int]
    public var values: [Element]

    public init(shape: [Int], values: [Element]) {
        self.shape = shape
        self.values = values
    }

    /// Number of elements implied by the shape.
    public var count: Int { shape.reduce(1, *) }
}

/// An attribute value; integers of any width read as `.int`/`.ints`, floats as `.double`/`.doubles`.
public enum HDF5Attribute: Equatable, Sendable, CustomStringConvertible {
    case string(String)
    case int(Int)
    case double(Double)
    case strings([String])
    case ints([Int])
    case doubles([Double])

    public var description: String {
        switch self {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .strings(let a): return a.description
        case .ints(let a): return a.description
        case .doubles(let a): return a.description
        }
    }

    /// The value as a string, if it is one.
    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    /// The value as an integer, if it is an integer (or a one-element integer array).
    public var intValue: Int? {
        switch self {
        case .int(let i): return i
        case .ints(let a) where a.count == 1: return a[0]
        default: return nil
        }
    }
    /// The value as a double, if it is numeric.
    public var doubleValue: Double? {
        switch self {
        case .double(let d): return d
        case .int(let i): return Double(i)
        case .doubles(let a) where a.count == 1: return a[0]
        default: return nil
        }
    }
    /// The value as an integer array (a scalar becomes a one-element array).
    public var intsValue: [Int]? {
        switch self {
        case .ints(let a): return a
        case .int(let i): return [i]
        default: return nil
        }
    }
}

/// How a dataset is laid out on disk.
public enum HDF5Compression: Equatable, Sendable {
    case none
    /// Chunked along the first dimension with `rowsPerChunk` rows, deflate level 0-9.
    case gzip(level: Int, rowsPerChunk: Int)
}
