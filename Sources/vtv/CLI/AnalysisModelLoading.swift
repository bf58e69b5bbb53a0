import Analyses
import Pipeline
import Search

extension LoadedModel {
    /// The model as the analyses take it: its file, hash and an evaluator of `batch` prompts per pass.
    func analysisModel(batch: Int) throws -> AnalysisModel {
        AnalysisModel(
            path: path, hash: hash,
            evaluator: PromptEvaluator(model: try mae(), decoder: try vqganDecoder(), batchSize: batch))
    }
}
