/// A numbered collection of prompts, each renderable as the canvases of several tasks.
///
/// Prompt indices are 0..<count. Three kinds exist: a `PromptsFile` (prompts stored by
/// `vtv prompts export` or `build`, or fixture.h5), and two generated sources, `PascalPromptSource`
/// and `SyntheticPromptSource`, which build each prompt on demand, deterministically from its index,
/// exactly as `export` would store it.
///
/// Roles: every prompt carries a role (collect, train, eval...), the set it belongs to. A file stores
/// each prompt's role; a generated source is opened *for* one role and gives it to all its prompts
/// (see `PromptSourceSpec.open` for how the role chooses a synthetic source's scenes).
public protocol PromptSource {
    /// Where the prompts come from, e.g. "synthetic:7" or "pascal:/data/VOC:/data/fold0.txt:0";
    /// stored as the `source` attribute of an exported file.
    var origin: String { get }
    /// Number of prompts; indices are 0..<count.
    var count: Int { get }
    /// The tasks every prompt can be rendered as, in the published order.
    var tasks: [PromptTask] { get }
    /// The canvas geometry of every prompt.
    var layout: CanvasLayout { get }
    /// What prompt `index` is made of (images, class, in-painting square, role).
    func prompt(_ index: Int) throws -> PromptRecord
    /// The canvases of prompt `index` for `tasks`, in that order; each `values` is [3, size, size].
    func canvases(_ index: Int, tasks: [PromptTask]) throws -> [PromptCanvas]
}

extension PromptSource {
    /// The canvas of prompt `index` for one task: values [3, size, size] in [0, 1].
    public func canvas(_ index: Int, task: PromptTask) throws -> PromptCanvas {
        try canvases(index, tasks: [task])[0]
    }

    /// Throws unless every one of `wanted` is among the source's tasks.
    public func requireTasks(_ wanted: [PromptTask]) throws {
        if let missing = wanted.first(where: { !tasks.contains($0) }) {
            throw PromptSourceError.missingTask(
                task: missing.rawValue, source: origin, available: tasks.map(\.rawValue))
        }
    }

    /// Throws unless `index` is in 0..<count.
    public func checkIndex(_ index: Int) throws {
        guard (0..<count).contains(index) else {
            throw PromptSourceError.indexOutOfRange(index: index, count: count, source: origin)
        }
    }

    /// The number of prompts of each role (prompts without a role count under "").
    public func roleCounts() throws -> [String: Int] {
        var counts: [String: Int] = [:]
        for i in 0..<count { counts[try prompt(i).role ?? "", default: 0] += 1 }
        return counts
    }
}

/// What one prompt is made of. `classID` is the class segmented (absent in files that do not record
/// it, such as fixture.h5); `square` is the in-painting square's top-left corner in quadrant pixels.
public struct PromptRecord: Equatable, Sendable {
    public var query: String
    public var support: String
    public var classID: Int?
    public var square: InpaintSquare
    /// The set the prompt belongs to (collect, train, eval...); nil when a file does not say.
    public var role: String?

    public init(query: String, support: String, classID: Int?, square: InpaintSquare, role: String?) {
        self.query = query
        self.support = support
        self.classID = classID
        self.square = square
        self.role = role
    }

    /// The record of a generated prompt.
    public init(_ spec: PromptSpec, role: String) {
        self.init(query: spec.query, support: spec.support, classID: spec.classID, square: spec.square, role: role)
    }
}

/// The prompts a command works on: those of `source` with the requested role, the first `count` of them.
public struct PromptSelection {
    public let source: any PromptSource
    /// The role asked for, or nil for every prompt.
    public let role: String?
    /// Selected prompt indices of `source`, ascending.
    public let indices: [Int]

    /// Selects the prompts of `source` whose role is `role` (all when nil), keeping the first `count`
    /// (all when nil). Throws if no prompt has the role, or fewer than `count` do.
    public init(source: any PromptSource, role: String?, count: Int?) throws {
        self.source = source
        self.role = role
        if let count, count < 1 { throw PromptSourceError.badCount(count) }
        var matching: [Int] = []
        for i in 0..<source.count {
            if let count, matching.count == count { break }
            if try role == nil || source.prompt(i).role == role { matching.append(i) }
        }
        if matching.isEmpty {
            throw PromptSourceError.noPromptsWithRole(
                role: role ?? "", source: source.origin,
                roles: (try? source.roleCounts()) ?? [:])
        }
        if let count, matching.count < count {
            throw PromptSourceError.notEnoughPrompts(
                requested: count, available: matching.count,
                role: role, source: source.origin)
        }
        indices = matching
    }
}

extension PromptTask {
    /// Parses a comma-separated task list: raw names (`segmentation,inpaint`, `pairs`), `base` (the five
    /// of the paper's main experiments) or `all` (every task of labelled images, composites included;
    /// not `pairs`). Repeats are dropped.
    public static func parseList(_ text: String) throws -> [PromptTask] {
        var tasks: [PromptTask] = []
        for word in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !word.isEmpty {
            let named: [PromptTask]
            switch word {
            case "all": named = PromptTask.allCases
            case "base": named = PromptTask.base
            default:
                guard let task = PromptTask(rawValue: word) else {
                    throw PromptSourceError.unknownTask(word)
                }
                named = [task]
            }
            for task in named where !tasks.contains(task) { tasks.append(task) }
        }
        guard !tasks.isEmpty else { throw PromptSourceError.unknownTask(text) }
        return tasks
    }
}
