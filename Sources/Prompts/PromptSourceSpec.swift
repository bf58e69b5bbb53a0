import Foundation

/// A generated prompt source as named on the command line (`--source`):
/// - `pascal:VOCDIR:SPLITFILE[:FOLD]`: PASCAL-5i images under VOCDIR (the VOC2012 folder or one
///   containing VOCdevkit/VOC2012) with the split list SPLITFILE; an empty SPLITFILE with a FOLD means
///   VOCDIR/splits/fold<FOLD>.txt. FOLD (0...3) is recorded in the description. Paths may not contain ':'.
/// - `synthetic[:SEED[:BACKGROUNDS]][:folds=F,F...]`: seeded synthetic scenes (seed 0 when omitted)
///   whose backgrounds are `random` (the default) or `habitats` (`SyntheticBackgrounds`); with
///   `folds=`, only the classes of those folds (`ClassFolds`, PASCAL-5i's 4 folds of 5 classes).
/// - `pairs:DIR`: your own task's example pairs DIR/input/NAME.png + DIR/output/NAME.png
///   (`ImagePairsFolder`), rendered as the task `pairs`; DIR is everything after `pairs:`.
public enum PromptSourceSpec: Equatable, Sendable {
    case pascal(vocRoot: String, splitFile: String, fold: Int?)
    case synthetic(seed: UInt64?, backgrounds: SyntheticBackgrounds = .random, folds: [Int]? = nil)
    case pairs(folder: String)

    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        func fail(_ reason: String) -> PromptSourceError { .badSourceSpec(text, reason: reason) }
        switch parts[0] {
        case "pairs":
            let folder = String(text.dropFirst("pairs:".count))
            guard parts.count >= 2, !folder.isEmpty else { throw fail("pairs needs a folder: pairs:DIR") }
            self = .pairs(folder: folder)
        case "pascal":
            guard parts.count == 3 || parts.count == 4 else {
                throw fail("pascal needs a VOC folder and a split file (paths may not contain ':')")
            }
            guard !parts[1].isEmpty else { throw fail("the VOC folder is empty") }
            var fold: Int?
            if parts.count == 4 {
                guard let f = Int(parts[3]), (0...3).contains(f) else {
                    throw fail("the fold must be 0, 1, 2 or 3, got '\(parts[3])'")
                }
                fold = f
            }
            var split = parts[2]
            if split.isEmpty {
                guard let fold else {
                    throw fail("the split file is empty (give it, or a fold to use VOCDIR/splits/fold<FOLD>.txt)")
                }
                split = (parts[1] as NSString).appendingPathComponent("splits/fold\(fold).txt")
            }
            self = .pascal(vocRoot: parts[1], splitFile: split, fold: fold)
        case "synthetic":
            var rest = Array(parts.dropFirst())
            var folds: [Int]?
            if let last = rest.last, last.hasPrefix("folds=") {
                let list = last.dropFirst("folds=".count).split(separator: ",", omittingEmptySubsequences: false)
                let numbers = list.map { Int($0) }
                guard !list.isEmpty, numbers.allSatisfy({ $0.map(ClassFolds.folds.contains) ?? false }) else {
                    throw fail(
                        "folds= takes comma-separated folds among 0, 1, 2, 3, got '\(last.dropFirst("folds=".count))'")
                }
                folds = Array(Set(numbers.compactMap { $0 })).sorted()
                rest.removeLast()
            }
            guard rest.count <= 2 else {
                throw fail("synthetic takes at most a seed and a background kind, then folds=F,F...")
            }
            var seed: UInt64?
            if !rest.isEmpty {
                guard let s = UInt64(rest[0]) else {
                    throw fail("the seed must be a non-negative integer, got '\(rest[0])'")
                }
                seed = s
            }
            var backgrounds = SyntheticBackgrounds.random
            if rest.count == 2 {
                guard let b = SyntheticBackgrounds(rawValue: rest[1]) else {
                    let known = SyntheticBackgrounds.allCases.map(\.rawValue).joined(separator: " or ")
                    throw fail("the backgrounds must be \(known), got '\(rest[1])'")
                }
                backgrounds = b
            }
            self = .synthetic(seed: seed, backgrounds: backgrounds, folds: folds)
        default:
            throw fail("unknown kind '\(parts[0])'")
        }
    }

    /// The canonical description stored as a file's `source` attribute.
    public var description: String {
        switch self {
        case let .pascal(voc, split, fold): return "pascal:\(voc):\(split)" + (fold.map { ":\($0)" } ?? "")
        case let .synthetic(seed, backgrounds, folds):
            return SyntheticPromptSource.origin(seed: seed ?? 0, backgrounds: backgrounds, folds: folds)
        case let .pairs(folder): return "pairs:\(folder)"
        }
    }

    /// Opens the source for `role`. `seed` seeds PASCAL support draws and squares (default 0); for a
    /// synthetic source it stands in for a seed missing from the spec and must agree with one given.
    /// A pairs source draws each prompt's example pair with `seed` (default 0).
    /// `count` is required for synthetic sources (they are unbounded) and ignored by PASCAL and pairs
    /// ones (select with `PromptSelection`).
    public func open(role: String, count: Int?, seed: UInt64?, layout: CanvasLayout = .published) throws
        -> any PromptSource
    {
        switch self {
        case let .pascal(voc, split, _):
            let dataset = try Pascal5i(vocRoot: voc, splitFile: split)
            return try PascalPromptSource(
                dataset: dataset, role: role, seed: seed ?? 0, layout: layout, origin: description)
        case let .synthetic(specSeed, backgrounds, folds):
            if let specSeed, let seed, specSeed != seed {
                throw PromptSourceError.badSourceSpec(
                    description, reason: "it names seed \(specSeed) but --prompt-seed is \(seed)")
            }
            guard let count else { throw PromptSourceError.countRequired(source: description) }
            return try SyntheticPromptSource(
                seed: specSeed ?? seed ?? 0, role: role, count: count, layout: layout,
                backgrounds: backgrounds, folds: folds)
        case let .pairs(folder):
            return PairsPromptSource(
                folder: try ImagePairsFolder(path: folder), role: role, seed: seed ?? 0, layout: layout)
        }
    }
}
