/// An opaque 8-bit sRGB colour.
public struct RGB: Equatable, Hashable, Sendable {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r
        self.g = g
        self.b = b
    }

    public static let white = RGB(255, 255, 255)
    public static let black = RGB(0, 0, 0)
    /// The colour of missing values (NaN cells, empty image slots).
    public static let missing = RGB(200, 200, 200)

    /// Matplotlib's `tab10` cycle, for telling line series apart.
    public static let seriesPalette: [RGB] = [
        RGB(31, 119, 180), RGB(255, 127, 14), RGB(44, 160, 44), RGB(214, 39, 40), RGB(148, 103, 189),
        RGB(140, 86, 75), RGB(227, 119, 194), RGB(127, 127, 127), RGB(188, 189, 34), RGB(23, 190, 207)
    ]

    /// `self` over `background` with opacity `alpha` in [0, 1].
    func blended(over background: RGB, alpha: Double) -> RGB {
        func mix(_ f: UInt8, _ b: UInt8) -> UInt8 {
            UInt8((Double(f) * alpha + Double(b) * (1 - alpha)).rounded())
        }
        return RGB(mix(r, background.r), mix(g, background.g), mix(b, background.b))
    }

    /// Linear interpolation from `self` (t = 0) to `other` (t = 1).
    func interpolated(to other: RGB, _ t: Double) -> RGB {
        other.blended(over: self, alpha: t)
    }
}
