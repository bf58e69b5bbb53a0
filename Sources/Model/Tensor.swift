/// A dense float32 array: `values` in row-major (C) order for `shape`, as PyTorch stores
/// contiguous tensors. Used for weights and for results handed across module boundaries;
/// the hot path works on raw buffers instead.
public struct Tensor: Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        precondition(shape.reduce(1, *) == values.count, "values do not fill shape \(shape)")
        self.shape = shape
        self.values = values
    }

    /// A tensor of zeros.
    public init(zeros shape: [Int]) {
        self.init(shape: shape, values: [Float](repeating: 0, count: shape.reduce(1, *)))
    }

    /// Number of elements.
    public var count: Int { values.count }
}
