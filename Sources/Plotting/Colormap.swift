/// A continuous colour scale: piecewise-linear interpolation between evenly spaced anchor colours.
public struct Colormap: Sendable {
    /// Anchor colours from the low end (t = 0) to the high end (t = 1), evenly spaced.
    let anchors: [RGB]
    /// Whether the scale is diverging around zero; figures then use limits symmetric about 0
    /// so that white means exactly zero.
    public let isDiverging: Bool

    init(anchors: [RGB], isDiverging: Bool) {
        precondition(anchors.count >= 2, "a colormap needs two anchors")
        self.anchors = anchors
        self.isDiverging = isDiverging
    }

    /// Matplotlib's viridis sampled at t = 0, 1/8, ..., 1 (dark purple to yellow).
    public static let viridis = Colormap(
        anchors: [
            RGB(68, 1, 84), RGB(71, 45, 123), RGB(59, 82, 139), RGB(44, 114, 142), RGB(33, 145, 140),
            RGB(40, 174, 128), RGB(94, 201, 98), RGB(173, 220, 48), RGB(253, 231, 37)
        ], isDiverging: false)

    /// Blue through white to red (ColorBrewer RdBu reversed): negative blue, zero white, positive red.
    public static let blueWhiteRed = Colormap(
        anchors: [
            RGB(5, 48, 97), RGB(33, 102, 172), RGB(67, 147, 195), RGB(146, 197, 222), RGB(209, 229, 240),
            RGB(247, 247, 247), RGB(253, 219, 199), RGB(244, 165, 130), RGB(214, 96, 77), RGB(178, 24, 43),
            RGB(103, 0, 31)
        ], isDiverging: true)

    /// The colour at position `t` along the scale; t is clamped to [0, 1], NaN gives `RGB.missing`.
    public func color(at t: Double) -> RGB {
        guard !t.isNaN else { return .missing }
        let position = min(max(t, 0), 1) * Double(anchors.count - 1)
        let i = min(Int(position), anchors.count - 2)
        return anchors[i].interpolated(to: anchors[i + 1], position - Double(i))
    }

    /// The colour of `value` on a scale running from `min` to `max` (values outside are clamped;
    /// NaN gives `RGB.missing`; a zero-width range maps everything to the middle colour).
    public func color(for value: Double, min: Double, max: Double) -> RGB {
        guard max > min else { return color(at: value.isNaN ? .nan : 0.5) }
        return color(at: (value - min) / (max - min))
    }
}
