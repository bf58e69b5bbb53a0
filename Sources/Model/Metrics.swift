import Imaging

/// The published scores of a prediction (docs/paper.md#metrics), computed on the bottom-right
/// quadrant (the query's output, Q4): canvas rows and columns side/2+1 ..< side (113..<224 for
/// a 224 canvas).
public enum Metrics {
    /// ImageNet statistics the canvas is normalized with, per RGB channel.
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// The scored rows (or columns) of a canvas side: the quadrant after the 2-pixel gap.
    public static func scoredRange(side: Int) -> Range<Int> { (side / 2 + 1)..<side }

    /// The ground-truth image the published code scores against: the canvas normalized with the
    /// ImageNet statistics and mapped back, in float32, then trunc(clamp(x * 255, 0, 255)).
    /// The float32 round trip can turn a value k/255 into k-1; parity with the recorded metrics
    /// depends on it. canvas: [3, height, width] in [0, 1].
    public static func targetImage(canvas: [Float], height: Int, width: Int) -> RenderedImage {
        precondition(canvas.count == rgbChannels * height * width)
        var pixels = [UInt8](repeating: 0, count: rgbChannels * height * width)
        let plane = height * width
        for c in 0..<rgbChannels {
            let (m, s) = (imageNetMean[c], imageNetStd[c])
            for p in 0..<plane {
                let normalized = (canvas[c * plane + p] - m) / s
                let back = normalized * s + m
                pixels[p * rgbChannels + c] = UInt8(min(max(back * 255, 0), 255))
            }
        }
        return RenderedImage(height: height, width: width, pixels: pixels)
    }

    /// Segmentation IoU on the scored quadrant: every pixel of both images is rounded to white
    /// or black, whichever is nearer in mean squared distance over the channels (ties go to
    /// white, the first option, as `argmin` picks), and the IoU of the white sets is returned.
    /// When neither image has a white pixel the union is empty; the published code would
    /// divide 0 by 0 (NaN), we return 1 (the two masks agree exactly) so that searches and
    /// means stay finite.
    public static func segmentationIoU(target: RenderedImage, prediction: RenderedImage) -> Double {
        precondition(target.height == prediction.height && target.width == prediction.width)
        var intersection = 0, union = 0
        for r in scoredRange(side: target.height) {
            for c in scoredRange(side: target.width) {
                let t = isWhite(target, r, c), p = isWhite(prediction, r, c)
                if t && p { intersection += 1 }
                if t || p { union += 1 }
            }
        }
        return union == 0 ? 1 : Double(intersection) / Double(union)
    }

    @inline(__always)
    private static func isWhite(_ image: RenderedImage, _ r: Int, _ c: Int) -> Bool {
        var toWhite = 0, toBlack = 0
        for k in 0..<rgbChannels {
            let v = Int(image[r, c, k])
            toWhite += (v - 255) * (v - 255)
            toBlack += v * v
        }
        return toWhite <= toBlack
    }

    /// Mean squared error on the scored quadrant in ImageNet-normalized space:
    /// ((v/255 - mean)/std per channel), averaged over pixels and channels.
    public static func normalizedMSE(target: RenderedImage, prediction: RenderedImage) -> Double {
        precondition(target.height == prediction.height && target.width == prediction.width)
        var sum = 0.0
        let rows = scoredRange(side: target.height), cols = scoredRange(side: target.width)
        for r in rows {
            for c in cols {
                for k in 0..<rgbChannels {
                    let m = Double(imageNetMean[k]), s = Double(imageNetStd[k])
                    let t = (Double(target[r, c, k]) / 255 - m) / s
                    let p = (Double(prediction[r, c, k]) / 255 - m) / s
                    sum += (t - p) * (t - p)
                }
            }
        }
        return sum / Double(rows.count * cols.count * rgbChannels)
    }
}

/// Which score a task uses: IoU (higher is better) for segmentation, normalized MSE (lower is
/// better) for the image-to-image tasks.
public enum PredictionMetric: String, CaseIterable, Sendable {
    case segmentationIoU = "iou"
    case normalizedMSE = "mse"

    /// The score of `prediction` against `target` on the scored quadrant.
    public func evaluate(target: RenderedImage, prediction: RenderedImage) -> Double {
        switch self {
        case .segmentationIoU: return Metrics.segmentationIoU(target: target, prediction: prediction)
        case .normalizedMSE: return Metrics.normalizedMSE(target: target, prediction: prediction)
        }
    }

    /// The value to minimise (REINFORCE's loss): -IoU or MSE.
    public func loss(target: RenderedImage, prediction: RenderedImage) -> Double {
        let value = evaluate(target: target, prediction: prediction)
        return self == .segmentationIoU ? -value : value
    }
}
