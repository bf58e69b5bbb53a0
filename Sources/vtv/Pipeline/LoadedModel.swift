import Foundation
import Model
import Prompts

/// A model file loaded for the pipeline commands: the configuration, its content hash and the
/// weights, with the MAE built on demand.
struct LoadedModel {
    let path: String
    let configuration: ModelConfiguration
    let weights: WeightStore
    let hash: String

    init(path: String) throws {
        let (configuration, weights) = try ModelFile.read(path)
        self.path = path
        self.configuration = configuration
        self.weights = weights
        hash = weights.contentHash
    }

    func mae() throws -> MAEModel { try MAEModel(configuration: configuration, weights: weights) }

    /// Prompts must be built for this model's canvas size.
    func checkCanvas(_ selection: PromptSelection) throws {
        let size = selection.source.layout.size
        guard size == configuration.imageSize else {
            throw UsageError("the prompts are \(size)x\(size) canvases but the model takes \(configuration.imageSize)x\(configuration.imageSize); "
                             + "export them with --canvas-size \(configuration.imageSize)")
        }
    }
}

/// "origin#index": how a prompt is named in activations and reports.
func promptIdentity(_ source: any PromptSource, _ index: Int) -> String { "\(source.origin)#\(index)" }
