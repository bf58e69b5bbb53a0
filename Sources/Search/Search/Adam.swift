import Foundation

/// Adam with PyTorch's defaults (betas 0.9/0.999, eps 1e-8, no weight decay), in float64.
/// State is plain data so a checkpoint can store and restore it exactly.
public struct Adam: Equatable {
    public var learningRate: Double
    public var beta1 = 0.9
    public var beta2 = 0.999
    public var epsilon = 1e-8
    /// First and second moment estimates: [parameters].
    public var firstMoment: [Double]
    public var secondMoment: [Double]
    /// Steps taken so far.
    public var step = 0

    public init(parameters: Int, learningRate: Double) {
        self.learningRate = learningRate
        firstMoment = [Double](repeating: 0, count: parameters)
        secondMoment = [Double](repeating: 0, count: parameters)
    }

    /// One descent step on `parameters` along `gradient`, exactly as torch.optim.Adam computes it.
    public mutating func update(_ parameters: inout [Double], gradient: [Double]) {
        precondition(parameters.count == gradient.count && gradient.count == firstMoment.count)
        step += 1
        let correction1 = 1 - pow(beta1, Double(step))
        let correction2 = 1 - pow(beta2, Double(step))
        let stepSize = learningRate / correction1
        for i in parameters.indices {
            let g = gradient[i]
            firstMoment[i] = beta1 * firstMoment[i] + (1 - beta1) * g
            secondMoment[i] = beta2 * secondMoment[i] + (1 - beta2) * g * g
            let denominator = (secondMoment[i] / correction2).squareRoot() + epsilon
            parameters[i] -= stepSize * firstMoment[i] / denominator
        }
    }
}
