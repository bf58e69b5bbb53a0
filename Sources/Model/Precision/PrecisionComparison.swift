/// How far one prompt's prediction moves when the MAE's Linear layers run in another precision
/// (bf16) than the reference (fp32): the logits, the predicted tokens, the image the VQGAN decodes
/// from them (the decoder itself in fp32 for both) and the task's score on it.
public struct PrecisionDifference: Sendable {
    /// Largest and mean |candidate - reference| over the logits [positions, vocabulary].
    public let maxLogitDifference: Float
    public let meanLogitDifference: Double
    /// Positions whose argmax token differs, of `positions`.
    public let changedTokens: Int
    public let positions: Int
    /// Largest and mean |candidate - reference| over the decoded images' bytes (0-255, whole canvas).
    public let maxPixelDifference: Int
    public let meanPixelDifference: Double
    /// The task's score (IoU or normalized MSE on the scored quadrant) of each prediction.
    public let referenceScore: Double
    public let candidateScore: Double

    /// Compares sample `i` of two outputs of the same batch. images: the decoded predictions of
    /// each (`Rendering.render`), target: the image scored against (`Metrics.targetImage`).
    public init(
        reference: MAEOutput, candidate: MAEOutput, sample i: Int, referenceImage: RenderedImage,
        candidateImage: RenderedImage, target: RenderedImage, metric: PredictionMetric
    ) {
        precondition(
            reference.positions(of: i) == candidate.positions(of: i) && reference.vocabulary == candidate.vocabulary)
        var worst: Float = 0, total = 0.0
        reference.withLogits(of: i) { a in
            candidate.withLogits(of: i) { b in
                for j in 0..<a.count {
                    let d = abs(a[j] - b[j])
                    worst = max(worst, d)
                    total += Double(d)
                }
                total /= Double(max(a.count, 1))
            }
        }
        maxLogitDifference = worst
        meanLogitDifference = total
        positions = reference.positions(of: i)
        changedTokens = zip(reference.argmax(of: i), candidate.argmax(of: i)).filter { $0 != $1 }.count
        let pixels = zip(referenceImage.pixels, candidateImage.pixels).map { abs(Int($0) - Int($1)) }
        maxPixelDifference = pixels.max() ?? 0
        meanPixelDifference = Double(pixels.reduce(0, +)) / Double(max(pixels.count, 1))
        referenceScore = metric.evaluate(target: target, prediction: referenceImage)
        candidateScore = metric.evaluate(target: target, prediction: candidateImage)
    }
}
