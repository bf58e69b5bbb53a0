/// A PyTorch checkpoint file (`torch.save` output), opened without Python and without running
/// anything in it.
///
/// Format facts relied on: a zip checkpoint starts with a zip local file header ("PK\u{3}\u{4}");
/// a legacy one starts with a pickle PROTO opcode (0x80) followed by torch's magic number; the
/// tar format of PyTorch < 0.4 (a "ustar" header at byte 257) is recognised and refused.
/// The file is memory-mapped once; opening parses the zip directory and the object pickle,
/// while tensor bytes are read only by `TorchTensor.floats()`.
public final class TorchCheckpoint: Sendable {
    public enum Format: Sendable { case zip, legacy }

    public let path: String
    public let format: Format
    /// The object that was saved, e.g. `{"model": OrderedDict(...), "epoch": 0}`.
    public let object: PickleValue

    /// Opens and parses the checkpoint at `path`; throws `TorchImportError` naming the file.
    public convenience init(path: String) throws {
        try self.init(file: try MappedFile(path: path))
    }

    init(file: MappedFile) throws {
        path = file.path
        if ZipArchive.looksLikeZip(file) {
            format = .zip
            object = try ZipFormat.read(file)
        } else if LegacyFormat.looksLikeLegacy(file) {
            format = .legacy
            object = try LegacyFormat.read(file)
        } else if file.count >= 262, Array(file.bytes[257..<262]) == Array("ustar".utf8) {
            throw TorchImportError(
                .unsupported, file: path,
                "the tar-based format of PyTorch < 0.4; load and re-save it with a recent PyTorch")
        } else {
            throw TorchImportError(
                .notPyTorchFile, file: path,
                file.count == 0
                    ? "the file is empty"
                    : "neither a zip archive nor a legacy torch.save pickle (it starts with bytes \(Array(file.bytes.prefix(4))))"
            )
        }
    }

    /// The model weights in file order: the dict under `model` (MAE checkpoints), else under
    /// `state_dict` (Lightning checkpoints such as the VQGAN's), else the top level itself.
    /// Every value must be a tensor; a value built by an unknown global throws `.unknownGlobal`.
    public func stateDict() throws -> [(name: String, tensor: TorchTensor)] {
        guard case .dict(let top) = object else {
            throw TorchImportError(.noStateDict, file: path, "the saved object is \(object.summary), not a dict")
        }
        var entries = top
        var location: String?
        for key in ["model", "state_dict"] {
            if case .dict(let inner)? = object[key] {
                entries = inner
                location = "'\(key)'"
                break
            }
        }
        return try entries.map { key, value in
            guard case .string(let name) = key else {
                throw TorchImportError(
                    .noStateDict, file: path, "\(location ?? "the top-level dict") has the key \(key.summary)")
            }
            if case .tensor(let tensor) = value { return (name, tensor) }
            guard let location else {
                throw TorchImportError(
                    .noStateDict, file: path,
                    "no 'model' or 'state_dict' dict, and the top-level '\(name)' is \(value.summary), not a tensor")
            }
            if case .object(let o) = value {
                throw TorchImportError(
                    .unknownGlobal, file: path,
                    "'\(name)' in \(location) is built by \(o.type), which this reader does not run; expected a tensor")
            }
            throw TorchImportError(
                .notATensor, file: path, "'\(name)' in \(location) is \(value.summary), expected a tensor")
        }
    }

    /// The number of elements of `tensors` together. Each tensor's count fits in `Int` (the
    /// reader checks that), but stride-0 views store nothing for their elements, so a crafted
    /// file can make the sum pass `Int.max`: that throws `.implausibleSize` naming the tensor.
    public func elementCount(of tensors: [(name: String, tensor: TorchTensor)]) throws -> Int {
        var total = 0
        for (name, tensor) in tensors {
            let (sum, overflow) = total.addingReportingOverflow(tensor.count)
            guard !overflow else {
                throw TorchImportError(
                    .implausibleSize, file: path,
                    "with '\(name)' (\(tensor.count) elements, a view of \(tensor.shape) with strides \(tensor.strides)) "
                        + "the tensors hold more than \(Int.max) elements, which no saved model has; the file is damaged or crafted"
                )
            }
            total = sum
        }
        return total
    }
}
