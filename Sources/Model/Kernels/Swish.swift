/// swish(x) = x * sigmoid(x) = x / (1 + e^-x), taming's `nonlinearity`, element-wise.
/// x, y: [count] (may be the same buffer).
func swish(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    for i in 0..<count {
        y[i] = swishValue(x[i])
    }
}
