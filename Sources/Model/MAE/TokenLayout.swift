/// How a canvas is prompted (docs/paper.md#token-layouts).
public enum PromptMode: String, CaseIterable, Sendable {
    /// The original prompting: the example pair (Q1, Q2) and the query (Q3) are visible, Q4 is
    /// predicted.
    case oneShot = "one-shot"
    /// No example: only the query (Q3) is visible; the decoder keeps the bottom half (Q3 and Q4).
    case zeroShot = "zero-shot"
}

/// Which grid positions the encoder sees and which the decoder keeps, for one mode.
/// Grid indices are raster (row * grid + col) on a grid with an even number of rows and
/// columns; quadrants Q1 (top-left), Q2 (top-right), Q3 (bottom-left), Q4 (bottom-right).
/// Token 0 of both stacks is cls; token t > 0 is grid position `visible[t - 1]` in the encoder
/// and `kept[t - 1]` in the decoder.
public struct TokenLayout: Equatable, Sendable {
    public let mode: PromptMode
    /// Tokens per side of the grid.
    public let grid: Int
    /// Grid positions the encoder sees, in token order (raster order): Q1, Q2, Q3 rows for
    /// one-shot (rows 0..<grid/2 whole, then Q3), Q3 alone for zero-shot.
    public let visible: [Int]
    /// Grid positions the decoder keeps, in token order: every position for one-shot, the
    /// bottom half (rows grid/2..<grid) for zero-shot.
    public let kept: [Int]
    /// For each grid position, the encoder token that sees it, or nil where the position is
    /// hidden (a mask token takes its place in the decoder).
    public let encoderToken: [Int?]

    public init(mode: PromptMode, grid: Int) {
        self.mode = mode
        self.grid = grid
        let half = grid / 2
        let q3 = (half..<grid).flatMap { r in (0..<half).map { r * grid + $0 } }
        switch mode {
        case .oneShot:
            visible = Array(0..<(half * grid)) + q3
            kept = Array(0..<(grid * grid))
        case .zeroShot:
            visible = q3
            kept = Array((half * grid)..<(grid * grid))
        }
        var tokens = [Int?](repeating: nil, count: grid * grid)
        for (i, position) in visible.enumerated() { tokens[position] = i + 1 }
        encoderToken = tokens
    }

    /// Encoder tokens: cls + visible patches (148 one-shot, 50 zero-shot on the 14x14 grid).
    public var encoderTokens: Int { 1 + visible.count }
    /// Decoder tokens: cls + kept positions (197 one-shot, 99 zero-shot).
    public var decoderTokens: Int { 1 + kept.count }
    /// Rows of logits: one per kept position (196 one-shot, 98 zero-shot).
    public var predictedPositions: Int { kept.count }

    /// The one-shot token at the same canvas position as `token` of this layout, the same rule
    /// in the encoder and the decoder: the correspondence used to patch a zero-shot run with
    /// one-shot means (cls stays 0; zero-shot token a > 0 is one-shot token a + grid*grid/2,
    /// i.e. a + 98, because the one-shot rows 0..<grid/2 come first in both stacks).
    public func oneShotToken(for token: Int) -> Int {
        if token == 0 || mode == .oneShot { return token }
        return token + grid * grid / 2
    }
}
