import Foundation

/// The embedded default model: `vtv-small.h5`, the small MAE-VQGAN trained by `tools/train`
/// (model card: docs/model-card.md), shipped as a resource of the `Pipeline` library (so of every executable that links it).
///
/// SwiftPM copies it into `vtv_Pipeline.resources/` next to the executable. It is looked up there
/// (following a symlinked executable), or at `$VTV_DEFAULT_MODEL` when set, without Foundation's
/// `Bundle.module`, which stops the process when the folder is missing.
public enum DefaultModel {
    public static let fileName = "vtv-small.h5"
    public static let resourceFolder = "vtv_Pipeline.resources"

    /// The path of the default model file; throws with every place looked in when it is absent.
    public static func path() throws -> String {
        if let override = ProcessInfo.processInfo.environment["VTV_DEFAULT_MODEL"], !override.isEmpty {
            guard FileManager.default.fileExists(atPath: override) else {
                throw UsageError("VTV_DEFAULT_MODEL is \(override), which does not exist")
            }
            return override
        }
        var candidates: [String] = []
        let executable = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        for folder in [executable.deletingLastPathComponent(), Bundle.main.bundleURL] {
            candidates.append(folder.appendingPathComponent(resourceFolder).appendingPathComponent(fileName).path)
        }
        if let found = candidates.first(where: { FileManager.default.fileExists(atPath: $0) }) { return found }
        throw UsageError(
            "the embedded default model is missing (looked for \(candidates.joined(separator: ", "))); "
                + "build vtv with `swift build` from the repository, set VTV_DEFAULT_MODEL, or pass --model M.h5")
    }
}
