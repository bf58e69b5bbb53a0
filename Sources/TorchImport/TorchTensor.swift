/// Tensors as `torch.save` describes them: a typed storage plus a strided view.
///
/// Format facts relied on:
/// - A storage is a flat run of little-endian elements; its element type comes from the storage
///   class named in the persistent id (`torch.FloatStorage` = float32, `HalfStorage` = float16,
///   `BFloat16Storage` = bfloat16 (the high 16 bits of a float32), `LongStorage` = int64, ...).
/// - A tensor is `_rebuild_tensor_v2(storage, storage_offset, size, stride, ...)`: element
///   `[i0, i1, ...]` lives at storage index `storage_offset + sum(i_k * stride_k)`; offsets and
///   strides count elements, not bytes. Views (transposes, slices) keep the whole storage, so a
///   tensor may be non-contiguous and start anywhere inside it.

/// The element type of a stored tensor.
public enum TorchDType: String, Sendable, CaseIterable {
    case float32, float64, float16, bfloat16, int64, int32, int16, int8, uint8, bool

    /// Bytes per element in the storage.
    public var byteWidth: Int {
        switch self {
        case .float64, .int64: return 8
        case .float32, .int32: return 4
        case .float16, .bfloat16, .int16: return 2
        case .int8, .uint8, .bool: return 1
        }
    }

    /// The dtype of a `torch.<Name>Storage` class (the module is `torch` or `torch.cuda`).
    init?(storageClass name: String) {
        switch name {
        case "FloatStorage": self = .float32
        case "DoubleStorage": self = .float64
        case "HalfStorage": self = .float16
        case "BFloat16Storage": self = .bfloat16
        case "LongStorage": self = .int64
        case "IntStorage": self = .int32
        case "ShortStorage": self = .int16
        case "CharStorage": self = .int8
        case "ByteStorage", "UntypedStorage": self = .uint8
        case "BoolStorage": self = .bool
        default: return nil
        }
    }
}

/// One storage record of a checkpoint: `count` elements of `dtype` starting at `byteOffset`
/// in the mapped file. Shared by every tensor that views it.
final class TorchStorage: @unchecked Sendable {
    let file: MappedFile
    /// The storage key (`data/<key>` in a zip archive; the key list entry in a legacy file).
    let key: String
    let dtype: TorchDType
    /// Number of elements (the `numel` of the persistent id).
    let count: Int
    /// File offset of element 0; a legacy file only learns it after the last pickle.
    var byteOffset: Int?

    init(file: MappedFile, key: String, dtype: TorchDType, count: Int, byteOffset: Int?) {
        self.file = file
        self.key = key
        self.dtype = dtype
        self.count = count
        self.byteOffset = byteOffset
    }
}

/// A lazily read tensor: shape, strides and a place in a memory-mapped storage.
/// Nothing is read from the file until `floats()` is called.
public struct TorchTensor: Sendable {
    public let dtype: TorchDType
    /// Sizes per dimension, outermost first (`[]` for a scalar).
    public let shape: [Int]
    /// Element strides per dimension into the storage.
    public let strides: [Int]
    /// Index of element `[0, 0, ...]` in the storage.
    public let storageOffset: Int
    /// Product of `shape` (1 for a scalar).
    public let count: Int
    /// Storage index of the view's last element (meaningful only when `count > 0`).
    private let lastIndex: Int
    let storage: TorchStorage

    /// The checkpoint file the tensor's elements are in, for messages.
    public var file: String { storage.file.path }

    /// Validates the view against its storage: every element it can address must exist.
    init(storage: TorchStorage, offset: Int, shape: [Int], strides: [Int]) throws {
        let file = storage.file.path
        func outOfBounds(_ why: String) -> TorchImportError {
            TorchImportError(
                .storageOutOfBounds, file: file,
                "tensor view (offset \(offset), size \(shape), stride \(strides)) of storage '\(storage.key)' "
                    + "(\(storage.count) elements): \(why)")
        }
        guard shape.count == strides.count else { throw outOfBounds("size and stride have different ranks") }
        guard offset >= 0, shape.allSatisfy({ $0 >= 0 }), strides.allSatisfy({ $0 >= 0 }) else {
            throw outOfBounds("negative offset, size or stride")
        }
        var count = 1, last = offset
        for (size, stride) in zip(shape, strides) {
            let (product, overflow) = count.multipliedReportingOverflow(by: size)
            guard !overflow else { throw outOfBounds("element count overflows") }
            count = product
            if size > 0 {
                let (reach, o1) = (size - 1).multipliedReportingOverflow(by: stride)
                let (sum, o2) = last.addingReportingOverflow(reach)
                guard !o1, !o2 else { throw outOfBounds("extent overflows") }
                last = sum
            }
        }
        if count > 0, last >= storage.count { throw outOfBounds("reaches element \(last)") }
        dtype = storage.dtype
        self.shape = shape
        self.strides = strides
        storageOffset = offset
        self.count = count
        lastIndex = last
        self.storage = storage
    }

    /// A 1-D tensor over a whole storage (a storage pickled on its own).
    init(wholeStorage storage: TorchStorage) throws {
        try self.init(storage: storage, offset: 0, shape: [storage.count], strides: [1])
    }

    /// The most elements `floats()` expands a broadcast view to (2^26, 256 MB of floats).
    public static let maxBroadcastCount = 1 << 26

    /// Whether the view has more elements than its storage holds (a stride 0 repeats stored
    /// elements): nothing in the file bounds its size, as the stored bytes bound other views'.
    public var isBroadcastView: Bool { count > storage.count }

    /// Whether the elements are laid out row-major without gaps (size-1 dimensions ignored).
    /// An empty view is contiguous, as in PyTorch; its other sizes are unbounded by the file
    /// (nothing is stored for them), so their product is never formed.
    public var isContiguous: Bool {
        guard count > 0 else { return true }
        var expected = 1
        for (size, stride) in zip(shape, strides).reversed() where size != 1 {
            if stride != expected { return false }
            // Cannot overflow: with no size 0, each partial product is at most `count`.
            expected *= size
        }
        return true
    }

    /// The elements converted to Float: `[count]`, row-major over `shape` whatever the strides.
    /// float16, bfloat16, float64 and the integer and bool types are converted exactly where
    /// Float can hold the value (integers beyond 2^24 and float64 round to nearest).
    public func floats() throws -> [Float] {
        guard let start = storage.byteOffset else {
            throw TorchImportError(
                .storageOutOfBounds, file: storage.file.path,
                "storage '\(storage.key)' was never located in the file")
        }
        guard count > 0 else { return [] }
        // Only a stride-0 (broadcast) view addresses more elements than its storage holds;
        // bound what such a view may expand to so that a corrupt size cannot exhaust memory.
        if isBroadcastView, count > Self.maxBroadcastCount {
            throw TorchImportError(
                .unsupported, file: storage.file.path,
                "a broadcast view of \(count) elements over storage '\(storage.key)' of \(storage.count); refusing to expand it"
            )
        }
        let width = dtype.byteWidth
        let bytes = storage.file.bytes
        let first = start + storageOffset * width
        let contiguous = isContiguous
        if contiguous { storage.file.willRead(first..<first + count * width) }
        let base = bytes.baseAddress! + first
        return [Float](unsafeUninitializedCapacity: count) { out, initialized in
            switch dtype {
            case .float32:
                if contiguous {
                    UnsafeMutableRawBufferPointer(out).copyMemory(
                        from: UnsafeRawBufferPointer(start: base, count: count * 4))
                } else {
                    gather(into: out, base: base, width: 4) {
                        Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self)))
                    }
                }
            case .float16:
                convert(into: out, base: base, width: 2, contiguous) {
                    Float(Float16(bitPattern: UInt16(littleEndian: $0.loadUnaligned(as: UInt16.self))))
                }
            case .bfloat16:
                convert(into: out, base: base, width: 2, contiguous) {
                    Float(bitPattern: UInt32(UInt16(littleEndian: $0.loadUnaligned(as: UInt16.self))) << 16)
                }
            case .float64:
                convert(into: out, base: base, width: 8, contiguous) {
                    Float(Double(bitPattern: UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self))))
                }
            case .int64:
                convert(into: out, base: base, width: 8, contiguous) {
                    Float(Int64(littleEndian: $0.loadUnaligned(as: Int64.self)))
                }
            case .int32:
                convert(into: out, base: base, width: 4, contiguous) {
                    Float(Int32(littleEndian: $0.loadUnaligned(as: Int32.self)))
                }
            case .int16:
                convert(into: out, base: base, width: 2, contiguous) {
                    Float(Int16(littleEndian: $0.loadUnaligned(as: Int16.self)))
                }
            case .int8:
                convert(into: out, base: base, width: 1, contiguous) { Float($0.load(as: Int8.self)) }
            case .uint8:
                convert(into: out, base: base, width: 1, contiguous) { Float($0.load(as: UInt8.self)) }
            case .bool:
                convert(into: out, base: base, width: 1, contiguous) { $0.load(as: UInt8.self) != 0 ? 1 : 0 }
            }
            initialized = count
        }
    }

    /// The elements in place, when they already are what `floats()` would return: a contiguous
    /// float32 view, 4-byte aligned in the mapped file, on a little-endian machine. Valid while the
    /// file stays open; nil otherwise (use `floats()`). Asks the kernel to read the pages ahead.
    public func float32InPlace() -> UnsafeBufferPointer<Float>? {
        guard dtype == .float32, isContiguous, count > 0, count <= storage.count,
            UInt32(1).littleEndian == 1, let start = storage.byteOffset
        else { return nil }
        let first = start + storageOffset * 4
        let base = storage.file.bytes.baseAddress! + first
        guard Int(bitPattern: base) % MemoryLayout<Float>.alignment == 0 else { return nil }
        storage.file.willRead(first..<first + count * 4)
        return UnsafeBufferPointer(start: base.assumingMemoryBound(to: Float.self), count: count)
    }

    /// Releases the checkpoint pages this view's elements occupy from resident memory, once
    /// `floats()` has copied them out: a streaming reader calls it after each tensor so that
    /// memory does not grow with the checkpoint. Reading the tensor again stays correct (the
    /// pages are faulted back in from the file).
    public func releaseMappedPages() {
        guard let start = storage.byteOffset, count > 0 else { return }
        let width = dtype.byteWidth
        storage.file.doneReading(start + storageOffset * width..<start + (lastIndex + 1) * width)
    }

    /// out: [count] row-major; base: element [0, 0, ...] of this view; width: bytes per element.
    @inline(__always)
    private func convert(
        into out: UnsafeMutableBufferPointer<Float>, base: UnsafeRawPointer, width: Int,
        _ contiguous: Bool, _ load: (UnsafeRawPointer) -> Float
    ) {
        if contiguous {
            for i in 0..<count { out[i] = load(base + i * width) }
        } else {
            gather(into: out, base: base, width: width, load)
        }
    }

    /// Visits the view's elements in row-major order with an odometer over the dimensions,
    /// moving the storage position by one stride per step instead of recomputing it.
    @inline(__always)
    private func gather(
        into out: UnsafeMutableBufferPointer<Float>, base: UnsafeRawPointer, width: Int,
        _ load: (UnsafeRawPointer) -> Float
    ) {
        let rank = shape.count
        var index = [Int](repeating: 0, count: rank)
        var offset = 0
        for i in 0..<count {
            out[i] = load(base + offset * width)
            var d = rank - 1
            while d >= 0 {
                index[d] += 1
                offset += strides[d]
                if index[d] < shape[d] { break }
                offset -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
        }
    }
}

extension TorchTensor: CustomStringConvertible {
    public var description: String { "TorchTensor(\(dtype), \(shape))" }
}
