import Imaging

/// A prompt canvas: `values` is [3, size, size] channel-major in [0, 1] (before ImageNet
/// normalisation), filled with 1 (white) outside the quadrants.
///
/// Quadrants: support input (top-left), support output (top-right), query input (bottom-left),
/// query output (bottom-right, the region the model fills in and the metrics score).
public struct PromptCanvas: Sendable {
    public let layout: CanvasLayout
    public let task: PromptTask
    /// [3, size, size] channel-major.
    public var values: [Float]

    /// Builds the canvas of `task` from a support and a query image, both prepared at
    /// `layout.quadrant`. Order of operations as in the published pipeline: everything happens on
    /// the float32 [0, 1] quadrant tensors after the 8-bit resize. Low light multiplies by 0.5 in
    /// float32; the in-painting square (side `layout.holeSide`, at `square` in both inputs) is set to
    /// 0 after that; a mask is replicated to the three channels.
    /// Composite tasks hole (and darken) both inputs so the example demonstrates the composite; in
    /// zero-shot use only the query row matters.
    public init(
        task: PromptTask, support: QuadrantImage, query: QuadrantImage,
        square: InpaintSquare = InpaintSquare(row: 0, col: 0),
        layout: CanvasLayout = .published
    ) throws {
        guard task != .pairs else { throw PromptError.pairsNeedOutputImages }
        let q = layout.quadrant
        guard support.side == q, query.side == q else {
            throw PromptError.quadrantMismatch(expected: q, support: support.side, query: query.side)
        }
        if task.isHoled {
            let side = layout.holeSide
            guard square.row >= 0, square.col >= 0, square.row + side <= q, square.col + side <= q else {
                throw PromptError.squareOutsideQuadrant(row: square.row, col: square.col, side: side, quadrant: q)
            }
        }
        self.layout = layout
        self.task = task
        values = [Float](repeating: 1, count: rgbChannels * layout.size * layout.size)
        let s = layout.secondStart
        for (example, top) in [(support, 0), (query, s)] {
            paste(PromptCanvas.input(task, example, square, layout), row: top, col: 0)
            paste(try PromptCanvas.output(task, example), row: top, col: s)
        }
    }

    /// The canvas of the `pairs` task (`--source pairs:DIR`) from two example pairs, every image
    /// prepared at `layout.quadrant`: the support pair's input and output in the top row, the query
    /// pair's input and output (the answer the model fills in) in the bottom row, RGB as is.
    public init(
        pairsSupport support: (input: QuadrantImage, output: QuadrantImage),
        query: (input: QuadrantImage, output: QuadrantImage), layout: CanvasLayout = .published
    ) throws {
        let q = layout.quadrant
        guard [support.input, support.output, query.input, query.output].allSatisfy({ $0.side == q }) else {
            throw PromptError.quadrantMismatch(expected: q, support: support.input.side, query: query.input.side)
        }
        self.layout = layout
        task = .pairs
        values = [Float](repeating: 1, count: 3 * layout.size * layout.size)
        let s = layout.secondStart
        for (example, top) in [(support, 0), (query, s)] {
            paste(example.input.rgb, row: top, col: 0)
            paste(example.output.rgb, row: top, col: s)
        }
    }

    /// The quadrant at `row`, `col` (top-left corner, canvas pixels): [3, quadrant, quadrant].
    public func quadrant(row: Int, col: Int) -> [Float] {
        let q = layout.quadrant, size = layout.size
        var out = [Float](repeating: 0, count: rgbChannels * q * q)
        for c in 0..<rgbChannels {
            for y in 0..<q {
                for x in 0..<q { out[(c * q + y) * q + x] = values[(c * size + row + y) * size + col + x] }
            }
        }
        return out
    }

    /// The input quadrant of one example: [3, q, q].
    static func input(
        _ task: PromptTask, _ example: QuadrantImage, _ square: InpaintSquare,
        _ layout: CanvasLayout
    ) -> [Float] {
        let q = layout.quadrant
        var pixels: [Float]
        switch task {
        case .lowlightEnhance, .lowlightInpaint: pixels = example.rgb.map { 0.5 * $0 }
        case .colorization: pixels = example.gray + example.gray + example.gray
        default: pixels = example.rgb
        }
        if task.isHoled {
            for c in 0..<rgbChannels {
                for y in square.row..<(square.row + layout.holeSide) {
                    for x in square.col..<(square.col + layout.holeSide) { pixels[(c * q + y) * q + x] = 0 }
                }
            }
        }
        return pixels
    }

    /// The output quadrant of one example: [3, q, q].
    static func output(_ task: PromptTask, _ example: QuadrantImage) throws -> [Float] {
        guard task.isSegmentation else { return example.rgb }
        guard let mask = example.mask else {
            throw PromptError.missingMask(task: task.rawValue, image: example.name)
        }
        return mask + mask + mask
    }

    private mutating func paste(_ block: [Float], row: Int, col: Int) {
        let q = layout.quadrant, size = layout.size
        for c in 0..<rgbChannels {
            for y in 0..<q {
                for x in 0..<q { values[(c * size + row + y) * size + col + x] = block[(c * q + y) * q + x] }
            }
        }
    }
}
