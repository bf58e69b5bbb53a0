import Foundation
import Model
import Search

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
    /// than `granularity` (when given).
    public func taskVectors(_ path: String, granularity: PatchVariables.Granularity?) throws -> TaskVectors {
        let vectors = try TaskVectors(path: path, expectedModelHash: hash)
        if let granularity, granularity != vectors.granularity {
            throw SearchInputError.granularityMismatch(
                file: path, found: vectors.granularity.rawValue,
                expected: granularity.rawValue)
        }
        return vectors
    }
}
