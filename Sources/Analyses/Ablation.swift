import Distributed
import Foundation
import Model
import Prompts
import Randomness
import Search

/// What `vtv ablate` studies: one found set of task vectors, on prompts it was not found on.
public struct AblationSettings {
    public var model: AnalysisModel
    /// The set (`vtv search` or `vtv taskvectors make`); its task names the prompts' task.
    public var taskVectorsPath: String
    /// The task means of every candidate (`vtv collect`): the vectors of variables outside the set,
    /// and, without `scoresPath`, the taskness ranking over all its tasks.
    public var activationsPath: String
    /// Taskness scores (`vtv score`) of the set's granularity; nil: computed from the activations.
    public var scoresPath: String?
    /// The held-out prompts.
    public var prompts: PromptSelection
    /// Random sets of the set's size, at least 1.
    public var draws: Int
    /// The seed of the random sets' stream.
    public var seed: UInt64
    /// The report folder (`Ablation.files`).
    public var out: String

    public init(
        model: AnalysisModel, taskVectorsPath: String, activationsPath: String, scoresPath: String?,
        prompts: PromptSelection, draws: Int, seed: UInt64, out: String
    ) {
        self.model = model
        self.taskVectorsPath = taskVectorsPath
        self.activationsPath = activationsPath
        self.scoresPath = scoresPath
        self.prompts = prompts
        self.draws = draws
        self.seed = seed
        self.out = out
    }
}

/// The paper's ablations of one found set S (|S| = K variables) on held-out prompts, in one run:
///
/// - S itself, one-shot and zero-shot (the references of the recovered share);
/// - random sets: `draws` sets of K variables drawn uniformly without repeats from all candidates of
///   S's granularity (they may overlap S), each draw from its own counter-based stream under `seed`;
/// - S's variables added in taskness order (k = 1..K) and the top-k of all candidates by taskness
///   (k = 1..K), the paper's taskness baseline at equal size;
/// - leave-one-out: S without each variable v; v's importance is how much better S does than S − {v}
///   (in the metric's better direction, so positive means v helps);
/// - S restricted to its encoder variables and to its decoder variables.
///
/// S and its subsets patch the file's own vectors; variables outside S patch the task's means from
/// the activations file (the report states how far the file's vectors are from those means).
public enum Ablation {
    /// The report's files.
    public static let files = ["ablation.json", "ablation.md", "ablation.png"]

    /// Runs the study on every rank of `world` (the prompts split as `scoreVariants` says, so the
    /// report does not depend on the number of ranks); rank 0 writes the report files into
    /// `settings.out` together and returns the report, the other ranks return nil.
    public static func run(_ settings: AblationSettings, world: Communicator) throws -> AblationReport? {
        guard settings.draws >= 1 else { throw SearchInputError.invalid("random draws must be at least 1") }
        let model = settings.model
        let set = try model.taskVectors(settings.taskVectorsPath)
        guard let task = PromptTask(rawValue: set.task) else {
            throw SearchInputError.invalid(
                "\(settings.taskVectorsPath) is for task '\(set.task)', for which vtv builds no prompts (known: "
                    + PromptTask.every.map(\.rawValue).joined(separator: ", ") + ")")
        }
        try settings.prompts.source.requireTasks([task])
        let activations = try model.activations(settings.activationsPath)
        let statistics = try activations.statistics(set.task, file: settings.activationsPath)
        let means = statistics.means(configuration: model.configuration)
        let taskness = try tasknessRanking(settings, granularity: set.granularity, activations: activations)
        let space = PatchVariables(configuration: model.configuration, granularity: set.granularity)
        func fromMeans(_ variables: [Int]) -> TaskVectors {
            TaskVectors(
                task: set.task, variables: variables, granularity: set.granularity, means: means,
                meansFrom: statistics.provenance, modelHash: model.hash, origin: "")
        }

        // Every variant once, in a fixed order; each part of the study keeps the indices of its own.
        var variants = [PromptVariant(mode: .oneShot), PromptVariant(mode: .zeroShot)]
        func add(_ vectors: TaskVectors) -> Int {
            variants.append(.zeroShot(vectors))
            return variants.count - 1
        }
        let whole = add(set)
        let k = set.variables.count
        func part(_ stack: Stack) -> Int? {
            let kept = set.variables.filter { space.decode($0).stack == stack }
            return kept.isEmpty ? nil : kept.count == k ? whole : add(set.restricted(to: kept))
        }
        let encoderOnly = part(.encoder), decoderOnly = part(.decoder)
        let leaveOneOut = set.variables.map { v in add(set.restricted(to: set.variables.filter { $0 != v })) }
        let rank = Dictionary(uniqueKeysWithValues: taskness.ranking.enumerated().map { ($1, $0) })
        let byTaskness = set.variables.sorted { rank[$0]! < rank[$1]! }
        let setCurve = (1...k).map { j in j == k ? whole : add(set.restricted(to: Array(byTaskness.prefix(j)))) }
        let topCurve = (1...k).map { j in add(fromMeans(Array(taskness.ranking.prefix(j)).sorted())) }
        let random = (0..<settings.draws).map { d in
            add(fromMeans(randomSubset(size: k, of: space.count, seed: settings.seed, draw: d)))
        }

        guard
            let scores = try scoreVariants(
                variants, task: task, selection: settings.prompts, evaluator: model.evaluator, world: world,
                label: "ablate")
        else { return nil }

        let oneShot = MetricSummary(scores[0]).mean, zeroShot = MetricSummary(scores[1]).mean
        func result(_ i: Int) -> VariantResult {
            VariantResult(
                variables: variants[i].vectors?.variables ?? [], scores: scores[i], oneShot: oneShot,
                zeroShot: zeroShot)
        }
        let higherIsBetter = task.metric == .segmentationIoU
        let full = result(whole)
        let randomResults = random.map(result)
        let drawMeans = randomResults.map(\.summary.mean)
        let beaten = drawMeans.filter { higherIsBetter ? full.summary.mean > $0 : full.summary.mean < $0 }.count
        let reference = fromMeans(set.variables)
        let difference =
            zip(reference.vectors, set.vectors).map { a, b in
                zip(a, b).map { abs(Double($0) - Double($1)) }.max() ?? 0
            }.max() ?? 0

        let selection = settings.prompts
        let report = AblationReport(
            model: .init(path: model.path, hash: model.hash),
            taskVectors: .init(
                file: settings.taskVectorsPath, task: set.task, granularity: set.granularity.rawValue,
                origin: set.origin, variables: set.variables),
            activations: settings.activationsPath, taskness: taskness.origin,
            prompts: ReportPrompts(selection),
            metric: task.metric.rawValue, higherIsBetter: higherIsBetter,
            oneShot: result(0), zeroShot: result(1), set: full,
            encoderOnly: encoderOnly.map(result), decoderOnly: decoderOnly.map(result),
            leaveOneOut: zip(set.variables, leaveOneOut).map { v, i in
                let without = result(i)
                let gain = full.summary.mean - without.summary.mean
                return .init(
                    variable: v, name: space.name(of: v), tasknessRank: rank[v]! + 1,
                    importance: higherIsBetter ? gain : -gain, without: without)
            },
            setByTaskness: setCurve.enumerated().map { .init(k: $0 + 1, result: result($1)) },
            topKByTaskness: topCurve.enumerated().map { .init(k: $0 + 1, result: result($1)) },
            random: .init(
                draws: settings.draws, seed: settings.seed, perDraw: randomResults,
                drawMeans: MetricSummary(drawMeans), setBeatsShare: Double(beaten) / Double(settings.draws)),
            setVectorsDifferenceFromMeans: difference)
        try ReportFolder.write(
            [
                "ablation.json": try report.jsonData(), "ablation.md": Data(report.markdown().utf8),
                "ablation.png": try report.figurePNG()
            ], to: settings.out)
        return report
    }

    /// Variables by decreasing taskness, from the scores file or computed over all tasks of the
    /// activations file, and where the ranking came from.
    private static func tasknessRanking(
        _ settings: AblationSettings, granularity: PatchVariables.Granularity, activations: ActivationsFile
    ) throws -> (ranking: [Int], origin: String) {
        guard let path = settings.scoresPath else {
            let scores = try TasknessScores(
                activations: activations, tasks: activations.taskNames, granularity: granularity)
            return (
                scores.ranking,
                "computed from \(settings.activationsPath) over \(scores.tasks.joined(separator: ", "))"
            )
        }
        let scores = try ScoresFile(path: path)
        guard scores.modelHash == settings.model.hash else {
            throw SearchInputError.modelMismatch(
                file: path, kind: .scores, found: scores.modelHash, expected: settings.model.hash)
        }
        guard scores.granularity == granularity else {
            throw SearchInputError.granularityMismatch(
                file: path, found: scores.granularity.rawValue, expected: granularity.rawValue)
        }
        return (scores.ranking, "\(path) over \(scores.tasks.joined(separator: ", "))")
    }

    /// Random set number `draw`: `size` distinct variables of 0..<count, ascending. A partial
    /// Fisher-Yates shuffle whose i-th swap uses draw i of the stream named after `draw`, so every
    /// rank computes the same sets without communicating.
    static func randomSubset(size: Int, of count: Int, seed: UInt64, draw: Int) -> [Int] {
        precondition(size <= count, "a subset of \(size) out of \(count)")
        let stream = RandomStream(seed: seed, name: "ablate random set \(draw)")
        var pool = Array(0..<count)
        for i in 0..<size {
            pool.swapAt(i, i + Int(stream.bits(UInt64(i)) % UInt64(count - i)))
        }
        return pool.prefix(size).sorted()
    }
}
