import Foundation
import Imaging
import Randomness
import Storage

/// A PASCAL-5i fold: VOC2012 images and labels plus a split file of `<image name>__<class>` lines.
///
/// Files: `<voc>/JPEGImages/<name>.jpg` and `<voc>/SegmentationClassAug/<name>.png` (palette or
/// gray PNG whose stored values are the split's class numbers 1...20; 0 background, 255 boundary). Every listed file is checked when the source is opened, and all missing ones are
/// reported together. Supports are drawn, seeded per query, from the same class and never the query.
public struct Pascal5i: Sendable {
    /// One line of the split: an image and the class (1...20) it is used for.
    public struct Entry: Equatable, Sendable {
        public let name: String
        public let classID: Int

        public init(name: String, classID: Int) {
            self.name = name
            self.classID = classID
        }
    }

    /// The folder holding JPEGImages/ and SegmentationClassAug/.
    public let vocFolder: String
    public let splitFile: String
    public let entries: [Entry]
    private let indicesByClass: [Int: [Int]]

    /// Opens `vocRoot` (the VOC2012 folder itself, or a folder containing VOCdevkit/VOC2012) with the
    /// split file `<vocRoot>/splits/fold<fold>.txt`.
    public init(vocRoot: String, fold: Int) throws {
        try self.init(
            vocRoot: vocRoot, splitFile: (vocRoot as NSString).appendingPathComponent("splits/fold\(fold).txt"))
    }

    /// Opens `vocRoot` with an explicit split file; throws if the split is malformed or any listed
    /// image or label file is missing.
    public init(vocRoot: String, splitFile: String) throws {
        try self.init(vocRoot: vocRoot, splitFiles: [splitFile])
    }

    /// Opens `vocRoot` with several split files taken together, their lines interleaved: line i of
    /// every file before line i + 1 of any (files that run out drop out), so the first 3n entries of
    /// three files of n or more lines are n of each. This is how the paper's protocol pools the
    /// training lists of three folds (docs/paper.md#protocol). `splitFile` joins the names with ','.
    public init(vocRoot: String, splitFiles: [String]) throws {
        precondition(!splitFiles.isEmpty, "at least one split file")
        let nested = (vocRoot as NSString).appendingPathComponent("VOCdevkit/VOC2012")
        var isDirectory: ObjCBool = false
        vocFolder =
            FileManager.default.fileExists(atPath: nested, isDirectory: &isDirectory) && isDirectory.boolValue
            ? nested : vocRoot
        splitFile = splitFiles.joined(separator: ",")
        let lists = try splitFiles.map(Self.readSplit)
        var entries: [Entry] = []
        for i in 0..<(lists.map(\.count).max() ?? 0) {
            for list in lists where i < list.count { entries.append(list[i]) }
        }
        self.entries = entries
        indicesByClass = Dictionary(grouping: entries.indices, by: { entries[$0].classID })

        var missingImages = 0, missingLabels = 0
        var examples: [String] = []
        for name in Set(entries.map(\.name)).sorted() {
            for (path, isImage) in [(imagePath(name), true), (labelPath(name), false)]
            where !FileManager.default.fileExists(atPath: path) {
                if isImage { missingImages += 1 } else { missingLabels += 1 }
                if examples.count < 5 { examples.append(path) }
            }
        }
        if missingImages + missingLabels > 0 {
            throw PromptError.missingFiles(
                count: missingImages + missingLabels, images: missingImages,
                labels: missingLabels, examples: examples)
        }
    }

    /// The entries of one split file, in order; throws if it is unreadable, malformed or empty.
    private static func readSplit(_ splitFile: String) throws -> [Entry] {
        guard let text = try? String(contentsOfFile: splitFile, encoding: .utf8) else {
            // Why, in the system's words: Foundation's own error text is not for our users.
            let reason = FileContent.whyUnreadable(splitFile) ?? "it is not UTF-8 text"
            throw PromptError.unreadable(file: splitFile, reason: "the split file cannot be read: \(reason)")
        }
        var entries: [Entry] = []
        for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.isEmpty { continue }
            let parts = line.components(separatedBy: "__")
            guard parts.count == 2, !parts[0].isEmpty, let classID = Int(parts[1]), (1...255).contains(classID) else {
                throw PromptError.badSplitLine(file: splitFile, line: number + 1, text: line)
            }
            entries.append(Entry(name: parts[0], classID: classID))
        }
        guard !entries.isEmpty else { throw PromptError.emptySplit(file: splitFile) }
        return entries
    }

    public func imagePath(_ name: String) -> String {
        (vocFolder as NSString).appendingPathComponent("JPEGImages/\(name).jpg")
    }

    public func labelPath(_ name: String) -> String {
        (vocFolder as NSString).appendingPathComponent("SegmentationClassAug/\(name).png")
    }

    /// The class of `name` in this split (its first line), or nil if it is not listed.
    public func classID(of name: String) -> Int? {
        entries.first { $0.name == name }?.classID
    }

    /// The prompt (episode) `index`: entry `index % entries.count` as query, with a support of the
    /// same class (never the query image) and an in-painting square, both drawn from
    /// `SplitMix64(seed).substream(index)`. Beyond the last entry the list starts again with other
    /// draws, as the published loader makes 1000 validation episodes from shorter lists.
    public func prompt(_ index: Int, seed: UInt64, layout: CanvasLayout = .published) throws -> PromptSpec {
        precondition(index >= 0, "episode indices are not negative")
        let query = entries[index % entries.count]
        var stream = SplitMix64(seed: seed).substream(UInt64(index))
        let candidates = (indicesByClass[query.classID] ?? []).filter { entries[$0].name != query.name }
        guard !candidates.isEmpty else {
            throw PromptError.noSupportCandidate(query: query.name, classID: query.classID)
        }
        let support = entries[candidates[stream.nextInt(below: candidates.count)]]
        let square = InpaintSquare.random(in: layout, using: &stream)
        return PromptSpec(query: query.name, support: support.name, classID: query.classID, square: square)
    }

    /// Loads and resizes one image (and its class mask for `classID`) to the quadrant side.
    public func quadrantImage(_ name: String, classID: Int, side: Int) throws -> QuadrantImage {
        let image = try ImageFile.read(imagePath(name))
        let labels = try ImageFile.readLabels(labelPath(name))
        return try QuadrantImage(
            name: name, image: image,
            classMask: QuadrantImage.classMask(labels: labels, classID: classID), side: side)
    }

    /// The canvases of `tasks` for one prompt.
    public func canvases(
        _ spec: PromptSpec, tasks: [PromptTask] = PromptTask.base,
        layout: CanvasLayout = .published
    ) throws -> [PromptCanvas] {
        let support = try quadrantImage(spec.support, classID: spec.classID, side: layout.quadrant)
        let query = try quadrantImage(spec.query, classID: spec.classID, side: layout.quadrant)
        return try tasks.map {
            try PromptCanvas(task: $0, support: support, query: query, square: spec.square, layout: layout)
        }
    }
}

/// What defines one prompt: the query and support images, the class segmented, the square cut.
public struct PromptSpec: Equatable, Sendable {
    public let query: String
    public let support: String
    public let classID: Int
    public let square: InpaintSquare

    public init(query: String, support: String, classID: Int, square: InpaintSquare) {
        self.query = query
        self.support = support
        self.classID = classID
        self.square = square
    }
}
