/// Where a set of prompts came from, read off their identities (`PromptSource.identity(of:)`): the
/// image sources, the classes segmented and the PASCAL-5i folds (`ClassFolds`) those classes fall in.
///
/// A task-vectors file records it for the prompts its vectors were averaged over, and `vtv eval`
/// reports it beside the evaluated prompts', so vectors moved from one source or fold to another
/// (docs/formats.md, "Task vectors") are visible as a transfer:
///
///     24 prompts of synthetic:0:folds=0, classes 1-5 (fold 0)
///     100 prompts of voc:/data/VOC, classes 6-10 (fold 1)
public struct PromptProvenance: Codable, Equatable, Sendable {
    /// The distinct image sources, sorted: the first word of each identity (`synthetic:7:folds=0`,
    /// `voc:/data/VOC`, `pairs:/data/xray`), without the `#index` of files that name prompts by index.
    public var sources: [String]
    /// The distinct classes segmented, ascending; empty when the identities carry none (pairs, and
    /// files written before classes were recorded).
    public var classes: [Int]
    /// Prompts each mean was taken over; for vectors from several means (`taskvectors combine`),
    /// the fewest of any of them.
    public var prompts: Int

    public init(sources: [String], classes: [Int], prompts: Int) {
        self.sources = Array(Set(sources)).sorted()
        self.classes = Array(Set(classes)).sorted()
        self.prompts = prompts
    }

    /// The provenance of the prompts named by `identities` (`TaskStatistics.prompts`, or
    /// `identity(of:)` of each evaluated prompt).
    public init(identities: [String]) {
        var sources: Set<String> = []
        var classes: Set<Int> = []
        for identity in identities {
            let words = identity.split(separator: " ")
            guard let first = words.first else { continue }
            sources.insert(String(first.split(separator: "#", maxSplits: 1)[0]))
            for word in words.dropFirst() where word.hasPrefix("class=") {
                if let c = Int(word.dropFirst("class=".count)) { classes.insert(c) }
            }
        }
        self.init(sources: Array(sources), classes: Array(classes), prompts: identities.count)
    }

    /// The folds (0...3) holding at least one of `classes`, ascending.
    public var folds: [Int] {
        ClassFolds.folds.filter { fold in ClassFolds.classes(of: fold).contains(where: classes.contains) }
    }

    /// The provenance of vectors taken from two sets of means: both sets' sources and classes, and the
    /// fewer prompts.
    public func merged(with other: PromptProvenance) -> PromptProvenance {
        PromptProvenance(
            sources: sources + other.sources, classes: classes + other.classes, prompts: min(prompts, other.prompts))
    }

    /// Whether vectors of these prompts applied to `target`'s are a transfer: another image source, or
    /// classes of other folds.
    public func isTransfer(to target: PromptProvenance) -> Bool {
        sources != target.sources || folds != target.folds
    }

    /// One line: "24 prompts of synthetic:0:folds=0, classes 1-5 (fold 0)".
    public var summary: String {
        let of = sources.isEmpty ? "" : " of " + sources.joined(separator: ", ")
        guard !classes.isEmpty else { return "\(prompts) prompt(s)\(of)" }
        let foldWord = folds.count == 1 ? "fold" : "folds"
        return "\(prompts) prompt(s)\(of), classes \(Self.ranges(classes)) "
            + "(\(foldWord) \(folds.map(String.init).joined(separator: ",")))"
    }

    /// Ascending integers as runs: [1, 2, 3, 5, 7, 8] -> "1-3,5,7-8".
    static func ranges(_ values: [Int]) -> String {
        var runs: [String] = []
        var i = 0
        while i < values.count {
            var j = i
            while j + 1 < values.count, values[j + 1] == values[j] + 1 { j += 1 }
            runs.append(j == i ? "\(values[i])" : "\(values[i])-\(values[j])")
            i = j + 1
        }
        return runs.joined(separator: ",")
    }
}
