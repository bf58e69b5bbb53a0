/// Which way a line of text runs.
public enum TextDirection: Sendable {
    /// Left to right, the usual reading direction.
    case horizontal
    /// Bottom to top (rotated a quarter turn anticlockwise), as for a y-axis label.
    case upward
}

extension RasterCanvas {
    /// The size in pixels of one line of `text` drawn horizontally at `scale`:
    /// 6 * scale per character (less the trailing blank column) by 9 * scale (cap height 7 plus descenders).
    public static func measureText(_ text: String, scale: Int = 1) -> (width: Int, height: Int) {
        let count = text.count
        let width = count == 0 ? 0 : (count * BitmapFont.advance - (BitmapFont.advance - BitmapFont.glyphWidth)) * scale
        return (width, BitmapFont.glyphHeight * scale)
    }

    /// Draws one line of `text` with the embedded 5x7 font, each font pixel a `scale` x `scale` block.
    /// (x, y) is the top-left corner of the text's box as `measureText` gives it (for `.upward`,
    /// of the rotated box, whose width is the text's height). Non-ASCII characters draw as a box.
    public mutating func drawText(
        _ text: String, x: Int, y: Int, color: RGB = .black, scale: Int = 1,
        direction: TextDirection = .horizontal
    ) {
        precondition(scale >= 1, "text scale must be at least 1")
        let length = RasterCanvas.measureText(text, scale: scale).width
        for (i, character) in text.enumerated() where character != " " {
            for gy in 0..<BitmapFont.glyphHeight {
                for gx in 0..<BitmapFont.glyphWidth where BitmapFont.isInk(character, x: gx, y: gy) {
                    // Offsets of this font pixel along and across the line of text.
                    let along = (i * BitmapFont.advance + gx) * scale, across = gy * scale
                    switch direction {
                    case .horizontal:
                        fillRect(x: x + along, y: y + across, width: scale, height: scale, color)
                    case .upward:
                        fillRect(x: x + across, y: y + length - along - scale, width: scale, height: scale, color)
                    }
                }
            }
        }
    }
}

extension RasterCanvas {
    /// Where a text box sits relative to the anchor point given to `drawText(_:at:)`.
    enum Anchor {
        case topLeft, topCenter, topRight, centerLeft, center, centerRight, bottomCenter
    }

    /// Draws `text` with its (possibly rotated) box placed at `point` according to `anchor`.
    mutating func drawText(
        _ text: String, at point: (x: Int, y: Int), anchor: Anchor, color: RGB = .black,
        scale: Int = 1, direction: TextDirection = .horizontal
    ) {
        let size = RasterCanvas.measureText(text, scale: scale)
        // Centre on the ink above the baseline, so descenders do not push capitals off-centre.
        let (w, h) =
            direction == .horizontal
            ? (size.width, BitmapFont.capHeight * scale)
            : (BitmapFont.capHeight * scale, size.width)
        let x: Int, y: Int
        switch anchor {
        case .topLeft: (x, y) = (point.x, point.y)
        case .topCenter: (x, y) = (point.x - w / 2, point.y)
        case .topRight: (x, y) = (point.x - w, point.y)
        case .centerLeft: (x, y) = (point.x, point.y - h / 2)
        case .center: (x, y) = (point.x - w / 2, point.y - h / 2)
        case .centerRight: (x, y) = (point.x - w, point.y - h / 2)
        case .bottomCenter: (x, y) = (point.x - w / 2, point.y - h)
        }
        drawText(text, x: x, y: y, color: color, scale: scale, direction: direction)
    }
}
