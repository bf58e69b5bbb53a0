import Model
import Prompts
import Storage

/// A self-contained set of task vectors (`TV.h5`, docs/formats.md): which head outputs of a
/// zero-shot run to overwrite and the vectors to write there, for one task and one model.
///
///     /                 format="vtv-taskvectors", version=1, task, granularity, model_hash, origin,
///                       final_selection ("threshold" or "sample"; searches only), final_seed (sample only),
///                       means_sources (strings), means_classes (int64 [c]), means_prompts: the prompts the
///                       vectors were averaged over (`PromptProvenance`; absent in files written before)
///     /config           the model configuration
///     /variables        int32 [k]      the chosen variables (docs/paper.md#search-space numbering)
///     /probabilities    float64 [nvar] the policy's probabilities (searches only)
///     /policy_logits    float64 [nvar] the policy's logits (searches only)
///     /encoder/rows     int32 [n, 3]   (layer, head, zero-shot token) of each patched head output
///     /encoder/vectors  float32 [n, encoder headWidth]  the replacement o (the one-shot task mean
///                                      at the corresponding position)
///     /decoder/rows, /decoder/vectors  the same for the decoder
public struct TaskVectors {
    public var configuration: ModelConfiguration
    public var modelHash: String
    public var task: String
    public var granularity: PatchVariables.Granularity
    /// Chosen variables, ascending.
    public var variables: [Int]
    /// How the variables were chosen ("search", "top-k 20 by taskness", "listed").
    public var origin: String
    public var probabilities: [Double]?
    public var policyLogits: [Double]?
    /// How the variables were taken from the policy (searches only; nil for listed or top-k
    /// variables). A search file written before this was recorded reads as `.threshold`, the only
    /// rule there was.
    public var finalSelection: FinalSelection?
    /// The prompts the vectors were averaged over (sources, classes, folds), when the file records them.
    public var meansFrom: PromptProvenance?
    /// The patched head outputs of a zero-shot run and their replacement vectors (headWidth each).
    public var targets: [PatchSet.Target]
    public var vectors: [[Float]]

    /// Task vectors for `variables`, taking each target's vector from the task's one-shot means,
    /// which were taken over the prompts `meansFrom` describes.
    public init(
        task: String, variables: [Int], granularity: PatchVariables.Granularity, means: HeadOutputs,
        meansFrom: PromptProvenance?, modelHash: String, origin: String, probabilities: [Double]? = nil,
        policyLogits: [Double]? = nil, finalSelection: FinalSelection? = nil
    ) {
        self.meansFrom = meansFrom
        let space = PatchVariables(configuration: means.configuration, granularity: granularity)
        let zeroShot = TokenLayout(mode: .zeroShot, grid: means.configuration.grid)
        configuration = means.configuration
        self.modelHash = modelHash
        self.task = task
        self.granularity = granularity
        self.variables = variables.sorted()
        self.origin = origin
        self.probabilities = probabilities
        self.policyLogits = policyLogits
        self.finalSelection = finalSelection
        targets = self.variables.flatMap { space.targets(ofVariable: $0) }
        vectors = targets.map {
            Array(means.vector($0.stack, layer: $0.layer, token: zeroShot.oneShotToken(for: $0.token), head: $0.head))
        }
    }

    /// The patch set that applies these vectors to a zero-shot run: the vectors themselves, in one hop.
    public func patchSet() -> PatchSet {
        PatchSet(configuration: configuration, targets: targets, vectors: vectors)
    }

    /// The patch set that applies these vectors to a run in `mode`. Zero-shot: `patchSet()`.
    /// One-shot (the published code's `--zero_shot 0`): each zero-shot target moves to the one-shot
    /// token at the same canvas position (`TokenLayout.oneShotToken(for:)`: cls stays 0, zero-shot
    /// token a > 0 becomes a + grid*grid/2), so the same query and answer positions are patched with
    /// the same vectors while the example rows stay as the prompt makes them.
    public func patchSet(for mode: PromptMode) -> PatchSet {
        guard mode == .oneShot else { return patchSet() }
        let zeroShot = TokenLayout(mode: .zeroShot, grid: configuration.grid)
        let moved = targets.map {
            PatchSet.Target($0.stack, layer: $0.layer, head: $0.head, token: zeroShot.oneShotToken(for: $0.token))
        }
        return PatchSet(configuration: configuration, targets: moved, vectors: vectors)
    }

    /// Writes the file atomically.
    public func write(to path: String) throws {
        let file = try HDF5File.create(path)
        let root = file.root
        try FileHeader(kind: .taskVectors, modelHash: modelHash).write(to: root, configuration: configuration)
        try root.setAttribute("task", .string(task))
        try root.setAttribute("granularity", .int(granularity.rawValue))
        try root.setAttribute("origin", .string(origin))
        if let meansFrom {
            try root.setAttribute("means_sources", .strings(meansFrom.sources))
            try root.setAttribute("means_classes", .ints(meansFrom.classes))
            try root.setAttribute("means_prompts", .int(meansFrom.prompts))
        }
        if let finalSelection {
            try root.setAttribute("final_selection", .string(finalSelection.rule.rawValue))
            if let seed = finalSelection.seed {
                try root.setAttribute("final_seed", .int(Int(truncatingIfNeeded: seed)))
            }
        }
        try root.write("variables", variables.map(Int32.init), shape: [variables.count])
        if let probabilities { try root.write("probabilities", probabilities, shape: [probabilities.count]) }
        if let policyLogits { try root.write("policy_logits", policyLogits, shape: [policyLogits.count]) }
        for stack in Stack.allCases {
            let width = configuration.stack(stack).headWidth
            let rows = zip(targets, vectors).filter { $0.0.stack == stack }
            try root.write(
                "\(stack)/rows", rows.flatMap { [Int32($0.0.layer), Int32($0.0.head), Int32($0.0.token)] },
                shape: [rows.count, 3])
            try root.write("\(stack)/vectors", rows.flatMap { $0.1 }, shape: [rows.count, width])
        }
        try file.commit()
    }

    /// Reads a task-vectors file, checking it against the model that will apply it.
    public init(path: String, expectedModelHash: String? = nil) throws {
        let root = try FileKind.taskVectors.open(path).root
        self = try FileKind.taskVectors.reading(path) {
            try TaskVectors(reading: root, path: path, expectedModelHash: expectedModelHash)
        }
    }

    private init(reading root: HDF5Group, path: String, expectedModelHash: String?) throws {
        modelHash = try FileHeader(reading: root, kind: .taskVectors, path: path).modelHash ?? ""
        if let expectedModelHash, expectedModelHash != modelHash {
            throw SearchInputError.modelMismatch(
                file: path, kind: .taskVectors, found: modelHash, expected: expectedModelHash)
        }
        configuration = try FileHeader.configuration(in: root)
        task = try root.attribute("task").stringValue ?? ""
        let g = try root.attribute("granularity").intValue ?? -1
        guard let granularity = PatchVariables.Granularity(rawValue: g) else {
            throw SearchInputError.invalid("\(path): unknown granularity \(g)")
        }
        self.granularity = granularity
        origin = (try? root.attribute("origin").stringValue ?? "") ?? ""
        variables = try root.read("variables", as: Int32.self).values.map(Int.init)
        probabilities = root.exists("probabilities") ? try root.read("probabilities", as: Double.self).values : nil
        policyLogits = root.exists("policy_logits") ? try root.read("policy_logits", as: Double.self).values : nil
        finalSelection = try Self.readFinalSelection(root, path: path, fromPolicy: probabilities != nil)
        meansFrom = try Self.readMeansFrom(root, path: path)
        let space = PatchVariables(configuration: configuration, granularity: granularity)
        if let bad = variables.first(where: { $0 < 0 || $0 >= space.count }) {
            throw SearchInputError.invalid(
                "\(path): variable \(bad) is outside 0..<\(space.count) for granularity \(g)")
        }
        let zeroShot = TokenLayout(mode: .zeroShot, grid: configuration.grid)
        targets = []
        vectors = []
        for stack in Stack.allCases {
            let s = configuration.stack(stack)
            let count = stack == .encoder ? zeroShot.encoderTokens : zeroShot.decoderTokens
            let rows = try root.read("\(stack)/rows", as: Int32.self)
            let n = rows.shape.first ?? 0
            let vectors = try root.read("\(stack)/vectors", as: Float.self, shape: [n, s.headWidth])
            for i in 0..<n {
                let (l, h, t) = (Int(rows.values[3 * i]), Int(rows.values[3 * i + 1]), Int(rows.values[3 * i + 2]))
                guard l >= 0, l < s.depth, h >= 0, h < s.heads, t >= 0, t < count else {
                    throw SearchInputError.invalid("\(path): \(stack) row \(i) (\(l), \(h), \(t)) is outside the model")
                }
                targets.append(PatchSet.Target(stack, layer: l, head: h, token: t))
                self.vectors.append(Array(vectors.values[i * s.headWidth..<(i + 1) * s.headWidth]))
            }
        }
    }

    /// The `means_*` attributes: all three or none (a file written before they were recorded).
    private static func readMeansFrom(_ root: HDF5Group, path: String) throws -> PromptProvenance? {
        let names = ["means_sources", "means_classes", "means_prompts"]
        let present = names.filter { root.hasAttribute($0) }
        guard !present.isEmpty else { return nil }
        guard present.count == names.count else {
            throw SearchInputError.invalid(
                "\(path): has \(present.joined(separator: ", ")) but not "
                    + names.filter { !present.contains($0) }.joined(separator: ", ")
                    + " (the prompts the vectors were averaged over are recorded by all three)")
        }
        let sources: [String]
        switch try root.attribute("means_sources") {
        case .strings(let values): sources = values
        case .string(let value): sources = [value]
        default: throw SearchInputError.invalid("\(path): means_sources must be strings")
        }
        guard let prompts = try root.attribute("means_prompts").intValue, prompts >= 0 else {
            throw SearchInputError.invalid("\(path): means_prompts must be a non-negative integer")
        }
        let classes: [Int]
        switch try root.attribute("means_classes") {
        case .ints(let values): classes = values
        case .int(let value): classes = [value]
        default: throw SearchInputError.invalid("\(path): means_classes must be integers")
        }
        return PromptProvenance(sources: sources, classes: classes, prompts: prompts)
    }

    /// The `final_selection` and `final_seed` attributes. Absent, a file with a policy (`fromPolicy`)
    /// was written by a search before the rule was recorded, when the rule was always the threshold.
    private static func readFinalSelection(_ root: HDF5Group, path: String, fromPolicy: Bool) throws -> FinalSelection?
    {
        guard root.hasAttribute("final_selection") else { return fromPolicy ? .threshold : nil }
        let word = try root.attribute("final_selection").stringValue ?? ""
        guard let rule = FinalSelection.Rule(rawValue: word) else {
            throw SearchInputError.invalid(
                "\(path): unknown final_selection '\(word)' (expected "
                    + FinalSelection.Rule.allCases.map(\.rawValue).joined(separator: " or ") + ")")
        }
        switch rule {
        case .threshold:
            return .threshold
        case .sample:
            guard root.hasAttribute("final_seed"), let seed = try root.attribute("final_seed").intValue, seed >= 0
            else {
                throw SearchInputError.invalid(
                    "\(path): final_selection 'sample' needs a non-negative integer final_seed")
            }
            return .sample(seed: UInt64(seed))
        }
    }
}
