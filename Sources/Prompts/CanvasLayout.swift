import Randomness

/// Where the four quadrants of a prompt canvas lie.
///
/// The published canvas is 224x224 with 111x111 quadrants at rows/cols [0, 111) and [113, 224);
/// rows and cols 111-112 stay white. In general quadrant = (size - 2) / 2 and the second quadrant
/// starts at size - quadrant, so smaller canvases (tests, tiny models) keep the same structure.
public struct CanvasLayout: Equatable, Sendable {
    /// Canvas side in pixels.
    public let size: Int
    /// Quadrant side in pixels.
    public let quadrant: Int
    /// First row (and column) of the bottom (and right) quadrants.
    public let secondStart: Int
    /// Side of the in-painting square: quadrant / 4 (27 for the published canvas).
    public var holeSide: Int { quadrant / 4 }

    /// The layout of a `size` x `size` canvas; `size` must be at least 4.
    public init(size: Int = 224) {
        precondition(size >= 4, "canvas size \(size) is too small for four quadrants")
        self.size = size
        quadrant = (size - 2) / 2
        secondStart = size - quadrant
    }

    /// The published 224x224 layout.
    public static let published = CanvasLayout(size: 224)

    /// The canvas sides a command accepts (`--canvas-size`). 8 leaves each quadrant 3 pixels. 4096 is a
    /// 256 x 256 grid of the MAE's 16-pixel patches: past it one canvas's attention scores alone
    /// (tokens squared, float32) pass 16 GiB, and as a render side (`vtv predict`) it already spreads
    /// each of the published model's 14 x 14 tokens over more than 290 pixels.
    public static let acceptedSizes: ClosedRange<Int> = 8...4096
}

/// The top-left corner of the in-painting square, in quadrant coordinates (the same square is cut
/// from the support and the query input).
public struct InpaintSquare: Equatable, Sendable {
    public let row: Int
    public let col: Int

    public init(row: Int, col: Int) {
        self.row = row
        self.col = col
    }

    /// A square drawn uniformly among the positions where it fits inside the quadrant
    /// (row, col in 0...quadrant - holeSide), from the stream's next two draws.
    public static func random(in layout: CanvasLayout, using stream: inout SplitMix64) -> InpaintSquare {
        let positions = layout.quadrant - layout.holeSide + 1
        let row = stream.nextInt(below: positions)
        let col = stream.nextInt(below: positions)
        return InpaintSquare(row: row, col: col)
    }
}
