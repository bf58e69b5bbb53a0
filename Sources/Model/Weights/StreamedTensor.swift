/// One tensor handed to `ModelFile.write(configuration:to:streaming:)`: owned values, or values
/// borrowed from memory that stays valid until `release` is called (once, from any thread).
public struct StreamedTensor: @unchecked Sendable {
    public let shape: [Int]
    private let storage: Storage

    private enum Storage {
        case owned([Float])
        case borrowed(UnsafeBufferPointer<Float>, release: () -> Void)
    }

    /// A tensor the writer holds until it is written and hashed.
    public static func owned(_ tensor: Tensor) -> StreamedTensor {
        StreamedTensor(shape: tensor.shape, storage: .owned(tensor.values))
    }

    /// values: [shape.product] row-major, valid until `release` runs.
    public static func borrowed(
        shape: [Int], values: UnsafeBufferPointer<Float>,
        release: @escaping () -> Void
    ) -> StreamedTensor {
        precondition(shape.reduce(1, *) == values.count, "\(values.count) values do not fill shape \(shape)")
        return StreamedTensor(shape: shape, storage: .borrowed(values, release: release))
    }

    func withValues<R>(_ body: (UnsafeBufferPointer<Float>) throws -> R) rethrows -> R {
        switch storage {
        case .owned(let values): return try values.withUnsafeBufferPointer(body)
        case .borrowed(let values, _): return try body(values)
        }
    }

    func release() {
        if case .borrowed(_, let release) = storage { release() }
    }
}
