import Model
import Prompts
import Search

/// What the union of two tasks' sets patches where both sets chose a variable (the two tasks' vectors
/// there are their own task means, which differ).
public enum SharedVariableRule: String, CaseIterable, Codable, Sendable {
    /// The element-wise mean of the two vectors: each task contributes half, the arithmetic reading
    /// of adding two tasks whose vectors compete for one head output.
    case mean
    /// The first set's vector.
    case first
    /// The second set's vector.
    case second
}

extension TaskVectors {
    /// Task-vector arithmetic: the variables of `a` or `b` (one model and granularity), each patched
    /// with its own set's vector, and shared ones by `rule`; labelled as task `task`. Not from a
    /// search, so it carries no policy.
    static func union(_ a: TaskVectors, _ b: TaskVectors, task: String, rule: SharedVariableRule) -> TaskVectors {
        precondition(a.granularity == b.granularity && a.configuration == b.configuration, "one model and granularity")
        let first = Dictionary(uniqueKeysWithValues: zip(a.targets, a.vectors))
        let second = Dictionary(uniqueKeysWithValues: zip(b.targets, b.vectors))
        let space = PatchVariables(configuration: a.configuration, granularity: a.granularity)
        var union = a
        union.task = task
        union.variables = Set(a.variables).union(b.variables).sorted()
        union.meansFrom = a.meansFrom.flatMap { x in b.meansFrom.map { x.merged(with: $0) } }
        union.origin = "union of the \(a.task) and \(b.task) sets; shared variables: \(rule.rawValue)"
        (union.probabilities, union.policyLogits, union.finalSelection) = (nil, nil, nil)
        union.targets = union.variables.flatMap { space.targets(ofVariable: $0) }
        union.vectors = union.targets.map { target in
            switch (first[target], second[target], rule) {
            case let (x?, y?, .mean): return zip(x, y).map { ($0 + $1) / 2 }
            case let (x?, _, .first), let (x?, nil, _): return x
            case let (_, y?, _): return y
            case (nil, nil, _): preconditionFailure("a target of neither set")
            }
        }
        return union
    }
}

extension PromptTask {
    /// The two tasks a composite combines (nil for a base task): low-light + in-painting for
    /// `lowlightInpaint`, segmentation + in-painting for `segmentationOfHoledQuery`.
    public var components: [PromptTask]? {
        switch self {
        case .lowlightInpaint: return [.lowlightEnhance, .inpaint]
        case .segmentationOfHoledQuery: return [.segmentation, .inpaint]
        default: return nil
        }
    }

    /// The composite made of `a` and `b` (in either order), if vtv builds one.
    static func composite(of a: PromptTask, _ b: PromptTask) -> PromptTask? {
        allCases.first { $0.components.map(Set.init) == Set([a, b]) && a != b }
    }
}
