import Foundation
import Model
import Prompts

/// A model file loaded for the pipeline commands: the configuration, its content hash and the
/// weights of the parts the command runs (`ModelWeights`), from which the MAE and the VQGAN
/// encoder and decoder are bound on demand.
///
/// Memory: the file's tensors are released one by one as they are derived into the weights'
/// block, so the file's copy and the model's never coexist, and the models bound to the block
/// own none of it. With `WeightSharing.perNode` the block is one read-only copy for the ranks of
/// the node, built by its first rank, the only one that opens the file; it then holds every part,
/// and stays for the life of the process, reused by every later load of the same file (`vtv demo`
/// runs several stages in one process).
public final class LoadedModel {
    public let path: String
    public let configuration: ModelConfiguration
    public let hash: String
    /// The parts of the model, in the form the kernels read.
    public let weights: ModelWeights
    private var builtMAE: MAEModel?
    /// The workspace of every VQGAN encoder and decoder bound here: the pipeline runs them one at
    /// a time on one thread, so one workspace serves both (the larger's size, not the sum).
    private let vqganWorkspace = VQGANWorkspace()

    /// Reads the model at `path` with the weights of `parts` (none: the configuration and hash
    /// only), kept as `sharing` says, the MAE's Linears in `precision` (`LinearPrecision`; bf16
    /// only where the CPU has it). With `.perNode`, every rank of the node must make this call at
    /// the same point (it is a collective over the node).
    public init(
        path: String, parts: ModelParts, sharing: WeightSharing = .perProcess, precision: LinearPrecision = .fp32
    ) throws {
        self.path = path
        // The file is opened once (opening checks a CRC of every byte) and its tensors hashed once.
        // The tensors are handed to the weights, which derive each and free it: nothing here keeps them.
        var file: (weights: WeightStore, contentHash: String)?
        func readFile() throws -> ModelConfiguration {
            let read = try ModelFile.readHashed(path)
            file = (read.weights, read.contentHash)
            return read.configuration
        }
        func takeFile() -> (weights: WeightStore, contentHash: String) {
            defer { file = nil }
            return file!
        }
        switch sharing {
        case .perProcess:
            configuration = try readFile()
            weights = try ModelWeights(
                configuration: configuration, parts: parts, arena: PrivateWeightArena(), precision: precision,
                source: takeFile)
        case .perNode(let node):
            let key = try Self.fileKey(path) + " \(precision)"
            let cached = Self.nodeShared[key]
            // Ranks that disagree here would call the collective build a different number of times.
            guard try node.agree(cached == nil ? 0 : 1) else {
                throw WeightError.inconsistent(
                    "\(path) changed while the ranks of this node were loading it; run again once it is written")
            }
            if let cached {
                (configuration, weights) = cached
            } else {
                // Only the builder reads the file: the others receive its configuration, which
                // sizes the shared block, and then the block (only the builder calls `takeFile`).
                let encoded = try node.fromBuilder { Array(try JSONEncoder().encode(try readFile())) }
                configuration = try JSONDecoder().decode(ModelConfiguration.self, from: Data(encoded))
                weights = try ModelWeights(
                    configuration: configuration, parts: .all,
                    arena: WeightSharing.perNode(node).arena, precision: precision, source: takeFile)
                Self.nodeShared[key] = (configuration, weights)
            }
        }
        hash = weights.contentHash
    }

    /// Node-shared weights by file (see the class comment).
    private static var nodeShared: [String: (ModelConfiguration, ModelWeights)] = [:]

    /// The file behind `path`, as it is now: device, inode, size and modification time.
    private static func fileKey(_ path: String) throws -> String {
        let attributes: [FileAttributeKey: Any]
        do {
            attributes = try FileManager.default.attributesOfItem(atPath: path)
        } catch {
            throw WeightError.inconsistent(
                "\(path) changed while it was being loaded (\(error.localizedDescription)); run again once it is written"
            )
        }
        let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
        return [attributes[.systemNumber], attributes[.systemFileNumber], attributes[.size]]
            .map { "\($0 ?? "?")" }.joined(separator: ":") + ":\(modified)"
    }

    /// The MAE, bound on the first call and the same model afterwards (it owns its workspaces).
    public func mae() throws -> MAEModel {
        if let builtMAE { return builtMAE }
        let model = try MAEModel(configuration: configuration, weights: weights)
        builtMAE = model
        return model
    }

    /// A new VQGAN encoder over the shared weights, working in the model's one VQGAN workspace:
    /// use it on the thread that uses the others, never while another runs.
    public func vqganEncoder() throws -> VQGANEncoder {
        try VQGANEncoder(configuration: configuration.vqgan, weights: weights, workspace: vqganWorkspace)
    }

    /// A new VQGAN decoder over the shared weights, working in the model's one VQGAN workspace:
    /// use it on the thread that uses the others, never while another runs.
    public func vqganDecoder() throws -> VQGANDecoder {
        try VQGANDecoder(configuration: configuration.vqgan, weights: weights, workspace: vqganWorkspace)
    }

    /// Prompts must be built for this model's canvas size.
    public func checkCanvas(_ selection: PromptSelection) throws {
        let size = selection.source.layout.size
        guard size == configuration.imageSize else {
            throw UsageError(
                "the prompts are \(size)x\(size) canvases but the model takes \(configuration.imageSize)x\(configuration.imageSize); "
                    + "export them with --canvas-size \(configuration.imageSize)")
        }
    }
}

/// "origin#index": how reports name a prompt, next to the role they record. Not unique across
/// roles of one synthetic source, so activations files name prompts by `PromptSource.identity(of:)`.
public func promptName(_ source: any PromptSource, _ index: Int) -> String { "\(source.origin)#\(index)" }
