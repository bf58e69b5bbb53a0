/// Prompts generated from a PASCAL-5i split: prompt i takes split entry i as its query, with a
/// support of the same class and an in-painting square drawn from `SplitMix64(seed).substream(i)`
/// (`Pascal5i.prompt`). Every prompt gets the role the source was opened for: in PASCAL-5i the split
/// file is what separates the sets (use the train list to collect and search, the val list to evaluate).
/// Opened for more `episodes` than the list has lines, it goes round the list again with new draws
/// (`Pascal5i.prompt`).
public struct PascalPromptSource: PromptSource {
    public let dataset: Pascal5i
    public let role: String
    public let seed: UInt64
    public let layout: CanvasLayout
    public let origin: String
    /// The split's lines, or the episodes asked for.
    public let count: Int
    public var tasks: [PromptTask] { PromptTask.allCases }
    private let folder: VOCFolder

    /// Throws up front if some class of the split has a single image (its prompts could have no support).
    public init(
        dataset: Pascal5i, role: String, seed: UInt64, layout: CanvasLayout = .published, origin: String? = nil,
        episodes: Int? = nil
    ) throws {
        if let episodes, episodes < 1 { throw PromptSourceError.badCount(episodes) }
        count = episodes ?? dataset.entries.count
        var imagesByClass: [Int: Set<String>] = [:]
        for entry in dataset.entries { imagesByClass[entry.classID, default: []].insert(entry.name) }
        let lonely = imagesByClass.filter { $0.value.count < 2 }
        if !lonely.isEmpty {
            throw PromptSourceError.singleImageClasses(
                file: dataset.splitFile,
                images: lonely.mapValues { $0.first ?? "" })
        }
        self.dataset = dataset
        self.role = role
        self.seed = seed
        self.layout = layout
        self.origin = origin ?? "pascal:\(dataset.vocFolder):\(dataset.splitFile)"
        folder = VOCFolder(root: dataset.vocFolder)
    }

    public func prompt(_ index: Int) throws -> PromptRecord {
        try checkIndex(index)
        return PromptRecord(try dataset.prompt(index, seed: seed, layout: layout), role: role)
    }

    public func canvases(_ index: Int, tasks: [PromptTask]) throws -> [PromptCanvas] {
        let record = try prompt(index)
        return try folder.canvases(
            query: record.query, support: record.support, classID: record.classID ?? 0,
            square: record.square, tasks: tasks, layout: layout)
    }
}
