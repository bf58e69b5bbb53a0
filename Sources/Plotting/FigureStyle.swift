/// Sizes and colours shared by every figure, so they read as one family.
enum FigureStyle {
    /// Font scales: the figure title, panel titles and axis labels, tick labels.
    static let titleScale = 3
    static let labelScale = 2
    static let tickScale = 2
    /// Outer margin of every figure, in pixels.
    static let margin = 20
    /// Space between a title and what it names.
    static let titleGap = 14

    static let text = RGB(30, 30, 30)
    static let axis = RGB(60, 60, 60)
    static let grid = RGB(225, 225, 225)
    static let emptyBox = RGB(235, 235, 235)
    static let emptyBoxEdge = RGB(190, 190, 190)

    /// The height of one line of text at `scale` (cap height plus descenders).
    static func lineHeight(_ scale: Int) -> Int { RasterCanvas.measureText("", scale: scale).height }

    /// The width of `text` at `scale`.
    static func textWidth(_ text: String, _ scale: Int) -> Int { RasterCanvas.measureText(text, scale: scale).width }

    /// `text` shortened with a trailing ".." so that it is at most `width` pixels wide at `scale`.
    static func fitting(_ text: String, width: Int, scale: Int) -> String {
        guard textWidth(text, scale) > width else { return text }
        var kept = text
        while !kept.isEmpty && textWidth(kept + "..", scale) > width { kept.removeLast() }
        return kept + ".."
    }

    /// `text` broken at spaces into lines at most `width` pixels wide at `scale`, at most `maxLines`
    /// of them; what does not fit is shortened with "..".
    static func wrapped(_ text: String, width: Int, scale: Int, maxLines: Int) -> [String] {
        var lines = [String](), current = ""
        for word in text.split(separator: " ").map(String.init) {
            let candidate = current.isEmpty ? word : current + " " + word
            if current.isEmpty || textWidth(candidate, scale) <= width {
                current = candidate
            } else {
                lines.append(current)
                current = word
            }
        }
        lines.append(current)
        if lines.count > maxLines {
            lines = Array(lines.prefix(maxLines - 1)) + [lines[(maxLines - 1)...].joined(separator: " ")]
        }
        return lines.map { fitting($0, width: width, scale: scale) }
    }
}
