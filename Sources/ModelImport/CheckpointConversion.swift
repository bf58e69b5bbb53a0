import Model
import TorchImport

/// Turns PyTorch checkpoints of MAE-VQGAN into a model file under vtv's names: the one place
/// that knows how released checkpoints are laid out (docs/paper.md#checkpoint-names).
///
/// - The MAE checkpoint's state dict is its `model` entry (or `state_dict`, or the top level).
///   Wrapper prefixes (`module.` from DistributedDataParallel, `_orig_mod.` from torch.compile)
///   are stripped. Its `vae.*` keys are the VQGAN, unless a separate VQGAN checkpoint is given,
///   which then wins.
/// - A VQGAN checkpoint (taming/Lightning: `state_dict` with `encoder.*`, `decoder.*`,
///   `quant_conv.*`, `post_quant_conv.*`, `quantize.embedding.weight`) is stored under `vae.`;
///   its `loss.*` keys (discriminator, perceptual loss) are training-only and ignored.
public struct CheckpointConversion {
    /// What the conversion did, for the summary a user reads.
    public struct Summary {
        public var configuration: ModelConfiguration
        public var tensors = 0
        public var parameters = 0
        /// "float16 -> float32" and the like, with how many tensors were converted.
        public var dtypeConversions: [String: Int] = [:]
        /// Keys present in the checkpoints but not part of the model, with the reason.
        public var ignored: [(key: String, reason: String)] = []
        /// Where the VQGAN came from.
        public var vqganSource = ""
    }

    /// The model's tensors by vtv name, validated but not yet read (views into the mapped checkpoints).
    private let tensors: [String: TorchTensor]
    public let summary: Summary

    /// Reads `mae` (and `vqgan` if given), infers the configuration when `configuration` is nil,
    /// and validates every tensor's name and shape; all problems are reported at once in one error.
    /// No tensor data is read until `writeModelFile(to:)`.
    /// `heads`: (encoder, decoder) head counts, needed only for a non-standard model whose widths
    /// match no preset (head counts cannot be read off tensor shapes).
    public init(
        mae: String, vqgan: String? = nil, configuration: ModelConfiguration? = nil,
        heads: (encoder: Int, decoder: Int)? = nil
    ) throws {
        var tensors: [String: TorchTensor] = [:]
        var ignored: [(key: String, reason: String)] = []
        let maeCheckpoint = try TorchCheckpoint(path: mae)
        for (rawName, tensor) in try maeCheckpoint.stateDict() {
            let name = Self.stripWrapperPrefixes(rawName)
            if name.hasPrefix("vae.") && vqgan != nil {
                ignored.append((name, "replaced by --vqgan"))
            } else if let reason = Self.trainingOnlyReason(name) {
                ignored.append((name, reason))
            } else {
                tensors[name] = tensor
            }
        }
        var vqganSource = "vae.* of \(mae)"
        if let vqgan {
            vqganSource = vqgan
            for (rawName, tensor) in try TorchCheckpoint(path: vqgan).stateDict() {
                var name = Self.stripWrapperPrefixes(rawName)
                if name.hasPrefix("vae.") { name.removeFirst(4) }
                if let reason = Self.trainingOnlyReason(name) {
                    ignored.append((name, reason))
                } else {
                    tensors["vae." + name] = tensor
                }
            }
        }

        let checkpoints = [mae] + (vqgan.map { [$0] } ?? [])
        let shapes = tensors.mapValues(\.shape)
        let chosen: ModelConfiguration
        do {
            chosen =
                try configuration
                ?? Self.inferConfiguration(from: shapes, files: tensors.mapValues(\.file), heads: heads)
        } catch let ConversionError.cannotInfer(_, why) {
            throw ConversionError.cannotInfer(files: checkpoints, why)
        }
        let configuration = chosen
        let expected = configuration.expectedTensors
        for name in tensors.keys.sorted() where expected[name] == nil {
            ignored.append((name, "not a tensor of this model"))
            tensors[name] = nil
        }
        // Validate names and shapes before reading any tensor data.
        var problems: [String] = []
        for name in expected.keys.sorted() {
            guard let t = tensors[name] else {
                problems.append("missing tensor '\(name)' (expected shape \(expected[name]!))")
                continue
            }
            if t.shape != expected[name]! {
                problems.append("tensor '\(name)' has shape \(t.shape), expected \(expected[name]!)")
            }
        }
        if !problems.isEmpty { throw ConversionError.invalidCheckpoint(files: checkpoints, problems) }

        var summary = Summary(configuration: configuration)
        // Elements of broadcast views, which the file does not store: a small crafted file could
        // otherwise make the model file (and the memory it is written from) any size.
        var repeated = 0
        for (name, t) in tensors.sorted(by: { $0.key < $1.key }) {
            if t.dtype != .float32 { summary.dtypeConversions["\(t.dtype.rawValue) -> float32", default: 0] += 1 }
            summary.tensors += 1
            // Each count fits in Int, but stride-0 views of a crafted file can claim sizes whose sum does not.
            let (sum, overflow) = summary.parameters.addingReportingOverflow(t.count)
            guard !overflow else {
                throw ConversionError.implausibleSize(
                    file: t.file, tensor: name,
                    "with its \(t.count) elements the model would have more than \(Int.max) parameters; the file is damaged or crafted"
                )
            }
            summary.parameters = sum
            if t.isBroadcastView {
                guard t.count <= TorchTensor.maxBroadcastCount - repeated else {
                    throw ConversionError.implausibleSize(
                        file: t.file, tensor: name,
                        "broadcast views (stride 0) of this and earlier tensors repeat stored elements into more than "
                            + "\(TorchTensor.maxBroadcastCount) values, which released checkpoints never do; the file is damaged or crafted"
                    )
                }
                repeated += t.count
            }
        }
        summary.ignored = ignored.sorted { $0.key < $1.key }
        summary.vqganSource = vqganSource
        self.tensors = tensors
        self.summary = summary
    }

    /// Writes the model file atomically, one tensor at a time in sorted-name order: each is read
    /// (converted to float32), written, hashed and dropped, and the checkpoint pages it came from
    /// are released, so memory stays near one tensor whatever the checkpoint's size.
    public func writeModelFile(to path: String) throws {
        try ModelFile.write(
            configuration: summary.configuration, to: path,
            streaming: { name in
                let t = tensors[name]!
                // float32 tensors (the released checkpoints) go from the mapped file to the model file
                // without a copy; their pages are released once written and hashed.
                if let values = t.float32InPlace() {
                    return .borrowed(shape: t.shape, values: values, release: { t.releaseMappedPages() })
                }
                do {
                    let values = try t.floats()
                    t.releaseMappedPages()
                    return .owned(Tensor(shape: t.shape, values: values))
                } catch {
                    throw ConversionError.unreadableTensor(name, "\(error)")
                }
            })
    }

    static func stripWrapperPrefixes(_ name: String) -> String {
        var name = name
        for prefix in ["module.", "_orig_mod."] where name.hasPrefix(prefix) { name.removeFirst(prefix.count) }
        return name
    }

    /// Why a key is training-only, or nil if it may belong to the model.
    static func trainingOnlyReason(_ name: String) -> String? {
        let bare = name.hasPrefix("vae.") ? String(name.dropFirst(4)) : name
        if bare.hasPrefix("loss.") { return "training-only (VQGAN loss)" }
        if bare.hasPrefix("discriminator.") || bare.hasPrefix("perceptual_loss.") { return "training-only" }
        return nil
    }
}

/// A checkpoint that cannot become a model file; every problem is listed, after the checkpoint
/// files (`files`: the MAE checkpoint, then the VQGAN's if separate; empty when not known).
public enum ConversionError: Error, CustomStringConvertible, Equatable {
    case invalidCheckpoint(files: [String], [String])
    case cannotInfer(files: [String], String)
    case unreadableTensor(String, String)
    /// A size read from `file` that no model has (0, or so large that arithmetic on it overflows).
    case implausibleSize(file: String, tensor: String, String)

    public var description: String {
        switch self {
        case let .invalidCheckpoint(files, problems):
            return prefix(files)
                + "the checkpoint does not fit the MAE-VQGAN model (\(problems.count) problem\(problems.count == 1 ? "" : "s")):\n  "
                + problems.joined(separator: "\n  ")
        case let .cannotInfer(files, why):
            return prefix(files) + "cannot infer the model configuration: \(why)"
        case let .unreadableTensor(name, why):
            return "tensor '\(name)' cannot be read: \(why)"
        case let .implausibleSize(file, name, why):
            return "\(file): tensor '\(name)': \(why)"
        }
    }

    private func prefix(_ files: [String]) -> String {
        files.isEmpty ? "" : files.joined(separator: " with ") + ": "
    }
}
