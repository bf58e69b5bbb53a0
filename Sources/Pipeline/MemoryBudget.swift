import Distributed
import Foundation
import Imaging
import Model

/// What the values of a command's size options make vtv allocate, added up and checked against the
/// machine before anything is allocated. `--samples 1000000000000` would otherwise ask the allocator
/// for terabytes minutes into a run and abort the process; here it is a usage error that names the
/// option, the estimate and the limit.
///
/// The estimates are lower bounds (`MemoryCost`): the buffers the option's value surely makes vtv
/// hold at once, not the model or the runtime around them. So a refusal means the run cannot fit,
/// never that it merely might not.
public struct MemoryBudget {
    public struct Item {
        public let option: String
        public let value: String
        public let bytes: Double
        /// What the memory holds, e.g. "the sampled masks of one iteration".
        public let what: String
    }

    public private(set) var items: [Item] = []

    public init() {}

    /// Adds `count` units of `unitBytes` each, because `option` has `value`.
    public mutating func add(
        _ option: String, _ value: CustomStringConvertible, count: Int, of unitBytes: Double, for what: String
    ) {
        items.append(Item(option: option, value: value.description, bytes: Double(count) * unitBytes, what: what))
    }

    public var total: Double { items.map(\.bytes).reduce(0, +) }

    /// Throws a usage error when the items need more than `limit` bytes together, naming the largest.
    /// Commands of several ranks pass the smallest limit of any rank (`agreedLimit`), so that every
    /// rank refuses or none does.
    public func check(limit: Double = MemoryBudget.machineBytes) throws {
        guard total > limit, let worst = items.max(by: { $0.bytes < $1.bytes }) else { return }
        var message =
            "\(worst.option) \(worst.value) needs about \(formatBytes(worst.bytes)) of memory for \(worst.what)"
        // The others are named only when they matter: when the largest alone would fit.
        let others = items.filter { $0.option != worst.option && $0.bytes > 0 }
        if worst.bytes <= limit, !others.isEmpty {
            message +=
                " (with "
                + others.map { "\($0.option) \($0.value): \(formatBytes($0.bytes)) for \($0.what)" }
                .joined(separator: "; ") + ": \(formatBytes(total)) in all)"
        }
        throw UsageError(
            message + ", more than the \(formatBytes(limit)) of memory this machine has; lower \(worst.option)")
    }

    /// The physical memory of this machine, or the memory limit of the container (cgroup v2
    /// `memory.max`) when that is lower: the most one process can hold.
    public static let machineBytes: Double = {
        let physical = Double(sysconf(Int32(_SC_PHYS_PAGES))) * Double(sysconf(Int32(_SC_PAGESIZE)))
        if let text = try? String(contentsOfFile: "/sys/fs/cgroup/memory.max", encoding: .utf8),
            let limit = Double(text.trimmingCharacters(in: .whitespacesAndNewlines)), limit > 0
        {
            return min(physical, limit)
        }
        return physical
    }()

    /// The smallest `machineBytes` of the ranks of `world`, for a check every rank makes alike
    /// (a collective: every rank must call it).
    public static func agreedLimit(_ world: Communicator) throws -> Double {
        try world.allreduce(machineBytes, .min)
    }
}

/// "1.5 GiB", "88.0 TiB": binary units, one decimal.
public func formatBytes(_ bytes: Double) -> String {
    var value = bytes, unit = 0
    let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
    while value >= 1024, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return unit == 0 ? "\(Int(value)) bytes" : String(format: "%.1f %@", value, units[unit])
}

/// Lower bounds, in bytes, of what one unit of a size option costs: the buffers vtv surely
/// allocates per sample, canvas or prompt (float32 values take 4 bytes).
public enum MemoryCost {
    /// One canvas, [3, side, side] float32.
    public static func canvas(side: Int) -> Double { 12 * Double(side) * Double(side) }

    /// One sample of an MAE forward batch: the workspace rows of its tokens (`MAEWorkspace.plan`:
    /// patches, encoder, embedded and decoder streams, the block scratch) for the one-shot canvas
    /// (every token), its logits over the hole quadrant, and its canvas.
    public static func forwardSample(_ c: ModelConfiguration) -> Double {
        let tokens = Double(c.patchCount + 1)
        let width = max(c.encoder.width, c.decoder.width)
        let perToken =
            rgbChannels * c.patchSize * c.patchSize + c.encoder.width + 2 * c.decoder.width + 5 * width
            + max(c.encoder.mlpHidden, c.decoder.mlpHidden)
        return 4 * (tokens * Double(perToken) + Double(c.patchCount / 4) * Double(c.vocabulary))
            + canvas(side: c.imageSize)
    }

    /// One image decoded by the VQGAN: [3, side, side] float32, like a canvas. (The VQGAN's feature
    /// maps do not scale with a batch: it runs `batchLimit` canvases at a time, one by default.)
    public static func decodedImage(side: Int) -> Double { canvas(side: side) }

    /// One sample's recorded head outputs (`vtv collect`): every head of every layer at every
    /// one-shot token, both stacks.
    public static func recordedSample(_ c: ModelConfiguration) -> Double {
        4 * Double(c.patchCount + 1) * Double(c.encoder.depth * c.encoder.width + c.decoder.depth * c.decoder.width)
    }

    /// One sampled mask of a search iteration: a Bool per searched variable and per variable of
    /// the full numbering (the copy that is patched), its loss and its advantage.
    public static func searchMask(variables: Int) -> Double { 2 * Double(variables) + 16 }

    /// One iteration of a search's history: its record, and the same values written in checkpoints.
    public static let iterationRecord: Double = 2 * 8 * 8

    /// One selected prompt: its index (`PromptSelection.indices`).
    public static let promptIndex: Double = 8
}
