import Foundation
import Prompts

/// Where the paper's protocol draws its episodes, fold by fold (docs/paper.md#protocol): for fold f,
/// the task means are collected and the task vectors searched on the *other* folds' classes
/// (training images), and fold f is evaluated on its own classes (validation images), so no class
/// of an evaluation was seen while its vectors were found.
///
/// - `pascal:VOCDIR`: PASCAL-5i, with the split lists of the published code's layout under the
///   splits folder (default VOCDIR/splits): `trn/fold<F>.txt` (training images of fold F's classes)
///   and `val/fold<F>.txt` (its validation images), each line `<image name>__<class>`. Fold f's
///   training set interleaves the three other `trn` lists (`Pascal5i(vocRoot:splitFiles:)`); the
///   role only labels, so collection and search draw from the same lists (as published). Asked for
///   more episodes than a list has lines, the list is gone round again with new supports and squares
///   (as the published loader makes 1000 validation episodes from each shorter `val` list).
/// - `synthetic[:SEED[:BACKGROUNDS]]`: the synthetic scenes in PASCAL-5i's folds (`ClassFolds`):
///   collection (role `collect`) and search (role `train`) on the other folds' classes, evaluation
///   (role `eval`) on fold f's; roles never share a scene.
public enum ProtocolPrompts: Equatable {
    case pascal(vocRoot: String, splits: String)
    case synthetic(seed: UInt64, backgrounds: SyntheticBackgrounds)

    /// The three sets of a fold, named by the role their prompts get.
    public enum PromptSet: String, CaseIterable {
        case collect, train, eval
    }

    /// Parses `--source` (and `--splits`, for PASCAL only). `promptSeed` stands in for a synthetic
    /// seed missing from the spec and must agree with one given.
    public init(parsing text: String, splits: String?, promptSeed: UInt64?) throws {
        if text.hasPrefix("pascal:") {
            let voc = String(text.dropFirst("pascal:".count))
            guard !voc.isEmpty, !voc.contains(":") else {
                throw UsageError(
                    "--source: the protocol takes pascal:VOCDIR (the split lists come from --splits), got '\(text)'")
            }
            self = .pascal(vocRoot: voc, splits: splits ?? (voc as NSString).appendingPathComponent("splits"))
            return
        }
        guard splits == nil else { throw UsageError("--splits goes with --source pascal:VOCDIR") }
        let spec: PromptSourceSpec
        do {
            spec = try PromptSourceSpec(parsing: text)
        } catch let error as PromptSourceError {
            throw UsageError("--source: \(error)")
        }
        guard case let .synthetic(seed, backgrounds, folds) = spec else {
            throw UsageError(
                "--source: the protocol takes pascal:VOCDIR or synthetic[:SEED[:BACKGROUNDS]], got '\(text)'")
        }
        guard folds == nil else {
            throw UsageError(
                "--source: the protocol chooses the folds of each set itself; leave folds= out of '\(text)'")
        }
        if let seed, let promptSeed, seed != promptSeed {
            throw UsageError("--source names seed \(seed) but --prompt-seed is \(promptSeed); give one of them")
        }
        self = .synthetic(seed: seed ?? promptSeed ?? 0, backgrounds: backgrounds)
    }

    /// For the record: `pascal:VOCDIR (splits SPLITS)` or the synthetic source's origin without folds.
    public var description: String {
        switch self {
        case let .pascal(voc, splits): return "pascal:\(voc) (splits \(splits))"
        case let .synthetic(seed, backgrounds):
            return SyntheticPromptSource.origin(seed: seed, backgrounds: backgrounds)
        }
    }

    /// The seed the episodes are drawn with: the synthetic source's, else `promptSeed` (default 0).
    public func seed(promptSeed: UInt64?) -> UInt64 {
        if case let .synthetic(seed, _) = self { return seed }
        return promptSeed ?? 0
    }

    /// The split list of `fold` for `set`: `trn/fold<F>.txt` or `val/fold<F>.txt` (PASCAL only).
    public func splitFile(_ set: PromptSet, fold: Int) -> String? {
        guard case let .pascal(_, splits) = self else { return nil }
        return (splits as NSString).appendingPathComponent((set == .eval ? "val" : "trn") + "/fold\(fold).txt")
    }

    /// The folds whose classes `set` of fold `fold` uses.
    public static func folds(_ set: PromptSet, fold: Int) -> [Int] {
        set == .eval ? [fold] : ClassFolds.others(than: fold)
    }

    /// The first `count` prompts of `set` for fold `fold`, drawn with `promptSeed` on `layout`.
    public func open(_ set: PromptSet, fold: Int, count: Int, promptSeed: UInt64, layout: CanvasLayout) throws
        -> PromptSelection
    {
        let folds = Self.folds(set, fold: fold)
        let source: any PromptSource
        switch self {
        case let .pascal(voc, _):
            let dataset = try Pascal5i(vocRoot: voc, splitFiles: folds.map { splitFile(set, fold: $0)! })
            source = try PascalPromptSource(
                dataset: dataset, role: set.rawValue, seed: promptSeed, layout: layout,
                origin: "pascal:\(voc):\(dataset.splitFile)", episodes: max(count, dataset.entries.count))
        case let .synthetic(seed, backgrounds):
            source = try SyntheticPromptSource(
                seed: seed, role: set.rawValue, count: count, layout: layout,
                backgrounds: backgrounds, folds: folds)
        }
        return try PromptSelection(source: source, role: set.rawValue, count: count)
    }
}
