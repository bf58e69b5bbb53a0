/// Prompts generated from seeded synthetic scenes (`SyntheticImageSource`).
///
/// Roles select disjoint scenes, so that one seed serves every set without overlap: prompt i of
/// role R is built around scene `firstScene(role: R) + i` (`SyntheticImageSource.prompt`), where
/// `firstScene` is a multiple of classCount * 2^32 chosen by the FNV-1a hash of the role's name.
/// Supports lie at most 1000 * classCount scenes after their query, so roles never share a scene
/// below 2^32 - 20,000 prompts. Prompt i segments class 1 + i % classCount in every role, and the
/// seed fixes the look of each class, so every role sees the same classes.
public struct SyntheticPromptSource: PromptSource {
    public let images: SyntheticImageSource
    public let role: String
    public let count: Int
    public let layout: CanvasLayout
    /// The scene of prompt 0.
    public let firstScene: Int
    /// Size of the rendered scenes before they are resized to the quadrant (like VOC photographs).
    public let sceneWidth: Int, sceneHeight: Int
    public var origin: String { Self.origin(seed: images.seed, backgrounds: images.backgrounds) }
    public var tasks: [PromptTask] { PromptTask.allCases }

    /// The most prompts of one role that share no scene with another role (see the type's comment).
    public static let largestCount = (1 << 32) - 20_000

    public init(seed: UInt64, role: String, count: Int, layout: CanvasLayout = .published,
                sceneWidth: Int = 500, sceneHeight: Int = 375, backgrounds: SyntheticBackgrounds = .random) throws {
        guard count >= 1 else { throw PromptSourceError.badCount(count) }
        images = SyntheticImageSource(seed: seed, backgrounds: backgrounds)
        self.role = role
        self.count = count
        self.layout = layout
        self.sceneWidth = sceneWidth
        self.sceneHeight = sceneHeight
        firstScene = SyntheticPromptSource.firstScene(role: role, classCount: images.classCount)
    }

    /// The source description: `synthetic:SEED`, with `:habitats` appended for that world (so files
    /// written before the habitat world existed keep their description).
    public static func origin(seed: UInt64, backgrounds: SyntheticBackgrounds) -> String {
        backgrounds == .random ? "synthetic:\(seed)" : "synthetic:\(seed):\(backgrounds.rawValue)"
    }

    /// The first scene of `role`'s block: (FNV-1a-64 of the UTF-8 name mod 2^22) * classCount * 2^32.
    public static func firstScene(role: String, classCount: Int = 20) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in role.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return Int(hash % (1 << 22)) * (classCount << 32)
    }

    public func prompt(_ index: Int) throws -> PromptRecord {
        try checkIndex(index)
        return PromptRecord(images.prompt(firstScene + index, layout: layout), role: role)
    }

    public func canvases(_ index: Int, tasks: [PromptTask]) throws -> [PromptCanvas] {
        try checkIndex(index)
        let spec = images.prompt(firstScene + index, layout: layout)
        return try images.canvases(spec, tasks: tasks, layout: layout, sceneWidth: sceneWidth, sceneHeight: sceneHeight)
    }
}
