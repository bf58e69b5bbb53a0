import Foundation
import Model
import Search

/// `list` as variables of `space`, ascending and without repeats; a variable outside the candidates
/// is refused naming `option`, the setting that gave it.
public func checkedVariables(_ list: [Int], option: String, space: PatchVariables) throws -> [Int] {
    if let bad = list.first(where: { $0 < 0 || $0 >= space.count }) {
        throw UsageError(
            "\(option): variable \(bad) is outside 0..<\(space.count), the candidates of granularity "
                + "\(space.granularity.rawValue) for this model")
    }
    return Array(Set(list)).sorted()
}

extension LoadedModel {
    /// The activations file at `path`, refused when it was collected with another model.
    public func activations(_ path: String) throws -> ActivationsFile {
        let file = try ActivationsFile(path: path)
        guard file.modelHash == hash else {
            throw SearchInputError.modelMismatch(file: path, kind: .activations, found: file.modelHash, expected: hash)
        }
        return file
    }

    /// The task vectors at `path`, refused when made for another model or another granularity
    /// than `granularity` (when given). With `allowOtherModel`, vectors of a sibling model (another
    /// content hash, the same configuration: `vtv eval --allow-other-model`) are accepted; a file of
    /// another configuration is always refused.
    public func taskVectors(
        _ path: String, granularity: PatchVariables.Granularity?, allowOtherModel: Bool = false
    ) throws -> TaskVectors {
        let vectors = try TaskVectors(path: path, expectedModelHash: allowOtherModel ? nil : hash)
        guard vectors.configuration == configuration else {
            throw SearchInputError.invalid(
                "\(path) was made with a model of another configuration than \(self.path); task vectors move "
                    + "only between models of the same configuration, even with --allow-other-model")
        }
        if let granularity, granularity != vectors.granularity {
            throw SearchInputError.granularityMismatch(
                file: path, found: vectors.granularity.rawValue,
                expected: granularity.rawValue)
        }
        return vectors
    }
}
