import Foundation
import Pipeline
import TorchImport

/// `vtv model inspect`: what `torch.load` would show, without PyTorch.
let modelInspectCommand = Command(
    name: "model inspect",
    summary: "list the keys, shapes and dtypes in a PyTorch checkpoint file",
    discussion: "Prints the top-level entries and every tensor of the state dict; never runs code from the file.",
    positional: ["CKPT"]
) { args in
    let path = args.positional[0]
    let checkpoint = try TorchCheckpoint(path: path)
    print("\(path): PyTorch \(checkpoint.format == .zip ? "zip" : "legacy") format")
    if case .dict(let entries) = checkpoint.object {
        print(
            "top level: "
                + entries.map { "\($0.key.stringValue ?? $0.key.summary): \($0.value.kind)" }.joined(separator: ", "))
    }
    let tensors = try checkpoint.stateDict()
    let width = tensors.map(\.name.count).max() ?? 0
    for (name, t) in tensors {
        print(
            "  " + name.padding(toLength: width + 2, withPad: " ", startingAt: 0)
                + "\(t.dtype.rawValue) \(t.shape)" + (t.isContiguous ? "" : " (non-contiguous view)"))
    }
    print("\(tensors.count) tensors, \(try checkpoint.elementCount(of: tensors)) elements")
    return 0
}

extension PickleValue {
    /// A one-word description of a top-level entry.
    var kind: String {
        switch self {
        case .dict(let e): return "dict of \(e.count)"
        case .list(let l): return "list of \(l.count)"
        case .tuple(let t): return "tuple of \(t.count)"
        case .tensor(let t): return "tensor \(t.shape)"
        case .int(let i): return "int \(i)"
        case .float(let f): return "float \(f)"
        case .string(let s): return "'\(s)'"
        case .object(let o): return "object \(o.type)"
        case .global(let g): return "global \(g)"
        default: return summary
        }
    }
}
