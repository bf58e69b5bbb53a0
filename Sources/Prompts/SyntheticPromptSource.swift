/// Prompts generated from seeded synthetic scenes (`SyntheticImageSource`).
///
/// Roles select disjoint scenes, so that one seed serves every set without overlap: prompt i of
/// role R is built around scene `firstScene(role: R) + i` (`SyntheticImageSource.prompt`), where
/// `firstScene` is a multiple of classCount * 2^32 chosen by the FNV-1a hash of the role's name.
/// Supports lie at most 1000 * classCount scenes after their query, so roles never share a scene
/// below 2^32 - 20,000 prompts. Prompt i segments class 1 + i % classCount in every role, and the
/// seed fixes the look of each class, so every role sees the same classes.
///
/// Folds: restricted to the classes of some `ClassFolds` (PASCAL-5i's 4 folds of 5 classes), the
/// prompts cycle through those classes only. With the k classes c_0 < ... < c_{k-1}, prompt i is built
/// around scene `firstScene + classCount * (i / k) + c_{i % k} - 1`, whose main class is c_{i % k};
/// with every class (no folds) that is scene `firstScene + i`, as without folds. Prompts of one role
/// in different fold sets may share scenes, as PASCAL-5i's training lists share images.
public struct SyntheticPromptSource: PromptSource {
    public let images: SyntheticImageSource
    public let role: String
    public let count: Int
    public let layout: CanvasLayout
    /// The scene of prompt 0.
    public let firstScene: Int
    /// Size of the rendered scenes before they are resized to the quadrant (like VOC photographs).
    public let sceneWidth: Int, sceneHeight: Int
    /// The folds whose classes the prompts cycle through (ascending), or nil for every class.
    public let folds: [Int]?
    /// The classes the prompts cycle through, ascending.
    public let classes: [Int]
    public var origin: String { Self.origin(seed: images.seed, backgrounds: images.backgrounds, folds: folds) }
    public var tasks: [PromptTask] { PromptTask.allCases }

    /// The most prompts of one role that share no scene with another role (see the type's comment).
    public static let largestCount = (1 << 32) - 20_000

    public init(
        seed: UInt64, role: String, count: Int, layout: CanvasLayout = .published,
        sceneWidth: Int = 500, sceneHeight: Int = 375, backgrounds: SyntheticBackgrounds = .random,
        folds: [Int]? = nil
    ) throws {
        guard count >= 1 else { throw PromptSourceError.badCount(count) }
        if let folds {
            guard !folds.isEmpty, folds.allSatisfy(ClassFolds.folds.contains) else {
                throw PromptSourceError.badFolds(folds)
            }
        }
        images = SyntheticImageSource(seed: seed, backgrounds: backgrounds)
        self.folds = folds.map { Array(Set($0)).sorted() }
        classes = folds.map(ClassFolds.classes(of:)) ?? Array(1...images.classCount)
        self.role = role
        self.count = count
        self.layout = layout
        self.sceneWidth = sceneWidth
        self.sceneHeight = sceneHeight
        firstScene = SyntheticPromptSource.firstScene(role: role, classCount: images.classCount)
    }

    /// The source description: `synthetic:SEED`, with `:habitats` appended for that world and
    /// `:folds=F,F...` for a fold restriction (so files written before either existed keep their
    /// description).
    public static func origin(seed: UInt64, backgrounds: SyntheticBackgrounds, folds: [Int]? = nil) -> String {
        (backgrounds == .random ? "synthetic:\(seed)" : "synthetic:\(seed):\(backgrounds.rawValue)")
            + (folds.map { ":folds=" + $0.map(String.init).joined(separator: ",") } ?? "")
    }

    /// The scene prompt `index` is built around (see the type's comment).
    public func scene(of index: Int) -> Int {
        firstScene + images.classCount * (index / classes.count) + classes[index % classes.count] - 1
    }

    /// The first scene of `role`'s block: (FNV-1a-64 of the UTF-8 name mod 2^22) * classCount * 2^32.
    public static func firstScene(role: String, classCount: Int = 20) -> Int {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in role.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        return Int(hash % (1 << 22)) * (classCount << 32)
    }

    public func prompt(_ index: Int) throws -> PromptRecord {
        try checkIndex(index)
        return PromptRecord(images.prompt(scene(of: index), layout: layout), role: role)
    }

    public func canvases(_ index: Int, tasks: [PromptTask]) throws -> [PromptCanvas] {
        try checkIndex(index)
        let spec = images.prompt(scene(of: index), layout: layout)
        return try images.canvases(spec, tasks: tasks, layout: layout, sceneWidth: sceneWidth, sceneHeight: sceneHeight)
    }
}
