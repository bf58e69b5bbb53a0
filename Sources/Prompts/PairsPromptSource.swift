import Randomness

/// Prompts of your own image-to-image task from a folder of example pairs (`--source pairs:DIR`,
/// `ImagePairsFolder`), rendered as the `pairs` task: prompt i asks for pair i (in name order) with
/// an example pair drawn uniformly among the others from `SplitMix64(seed).substream(i)`. Every
/// prompt gets the role the source was opened for (keep the pairs of different roles in different
/// folders). There is no class and no in-painting square (recorded as 0, 0).
public struct PairsPromptSource: PromptSource {
    public let folder: ImagePairsFolder
    public let role: String
    public let seed: UInt64
    public let layout: CanvasLayout
    public var origin: String { "pairs:\(folder.path)" }
    public var count: Int { folder.pairs.count }
    public var tasks: [PromptTask] { [.pairs] }

    public init(folder: ImagePairsFolder, role: String, seed: UInt64, layout: CanvasLayout = .published) {
        self.folder = folder
        self.role = role
        self.seed = seed
        self.layout = layout
    }

    /// The position of prompt `index`'s example pair (never `index` itself).
    func supportIndex(_ index: Int) -> Int {
        var stream = SplitMix64(seed: seed).substream(UInt64(index))
        let draw = stream.nextInt(below: count - 1)
        return draw < index ? draw : draw + 1
    }

    public func prompt(_ index: Int) throws -> PromptRecord {
        try checkIndex(index)
        return PromptRecord(
            query: folder.pairs[index].name, support: folder.pairs[supportIndex(index)].name, classID: nil,
            square: InpaintSquare(row: 0, col: 0), role: role)
    }

    public func canvases(_ index: Int, tasks: [PromptTask]) throws -> [PromptCanvas] {
        try checkIndex(index)
        try requireTasks(tasks)
        let support = try folder.quadrantImages(supportIndex(index), side: layout.quadrant)
        let query = try folder.quadrantImages(index, side: layout.quadrant)
        return try tasks.map { _ in try PromptCanvas(pairsSupport: support, query: query, layout: layout) }
    }
}
