import Foundation
import Model
import Prompts

/// A model file loaded for the pipeline commands: the configuration, its content hash and the
/// weights, with the MAE built on demand.
///
/// Memory: the MAE is built by moving its tensors out of `weights` (`MAEModel(configuration:
/// movingWeightsFrom:)`), so the file's MAE tensors and the model's copy never coexist; after
/// `mae()` the store holds only the VQGAN's tensors (`vae.*`), whose arrays the VQGAN encoder and
/// decoder share rather than copy. ViT-L + VQGAN thus stays near one copy of the weights.
final class LoadedModel {
    let path: String
    let configuration: ModelConfiguration
    let hash: String
    /// The file's tensors not yet moved into a model: everything until `mae()`, then the VQGAN's.
    private(set) var weights: WeightStore
    private var builtMAE: MAEModel?

    init(path: String) throws {
        let (configuration, weights) = try ModelFile.read(path)
        self.path = path
        self.configuration = configuration
        self.weights = weights
        hash = weights.contentHash
    }

    /// The MAE, built on the first call from the weights (which then release its tensors) and
    /// the same model afterwards.
    func mae() throws -> MAEModel {
        if let builtMAE { return builtMAE }
        let model = try MAEModel(configuration: configuration, movingWeightsFrom: &weights)
        builtMAE = model
        return model
    }

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
