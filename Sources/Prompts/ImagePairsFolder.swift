import Foundation
import Imaging

/// A folder of input/output examples of one image-to-image task (`--source pairs:DIR`):
///
///     DIR/input/NAME.png    the input of pair NAME   (.png, .jpg or .jpeg, any size)
///     DIR/output/NAME.png   its output                (any of those extensions, the input's size)
///
/// Pairs are matched by NAME (the file name without its extension) and ordered by NAME (byte order);
/// names starting with '.' are skipped. Opening checks everything before any prompt is built: both
/// folders exist, they hold image names only, no NAME twice in a folder, every input has an output
/// and every output an input, at least two pairs, and every image decodes with its pair's size.
public struct ImagePairsFolder: Sendable {
    /// One example: its name and its two files.
    public struct Pair: Equatable, Sendable {
        public var name: String
        public var input: String
        public var output: String
    }

    /// The folder given (DIR).
    public let path: String
    /// The pairs, by name.
    public let pairs: [Pair]

    /// The extensions accepted, lower-case (matched case-insensitively).
    public static let extensions: Set<String> = ["png", "jpg", "jpeg"]

    /// Scans and checks DIR (see the type's description); throws `ImagePairsError` naming the problem.
    public init(path: String) throws {
        self.path = path
        let inputs = try Self.images(in: (path as NSString).appendingPathComponent("input"))
        let outputs = try Self.images(in: (path as NSString).appendingPathComponent("output"))
        let inputsOnly = inputs.keys.filter { outputs[$0] == nil }.sorted()
        let outputsOnly = outputs.keys.filter { inputs[$0] == nil }.sorted()
        guard inputsOnly.isEmpty, outputsOnly.isEmpty else {
            throw ImagePairsError.unpaired(
                folder: path, inputsOnly: Array(inputsOnly.prefix(5)), outputsOnly: Array(outputsOnly.prefix(5)),
                count: inputsOnly.count + outputsOnly.count)
        }
        pairs = inputs.keys.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }.map {
            Pair(name: $0, input: inputs[$0]!, output: outputs[$0]!)
        }
        guard pairs.count >= 2 else { throw ImagePairsError.tooFewPairs(folder: path, count: pairs.count) }
        for pair in pairs {
            let (input, output) = (try Self.read(pair.input), try Self.read(pair.output))
            guard input.width == output.width, input.height == output.height else {
                throw ImagePairsError.sizeMismatch(
                    name: pair.name, input: pair.input, inputSize: [input.height, input.width],
                    output: pair.output, outputSize: [output.height, output.width])
            }
        }
    }

    /// Pair `index`'s input and output, each resized to `side` x `side` as every prompt image is
    /// (`QuadrantImage`: PIL's bicubic resize in 8 bits).
    public func quadrantImages(_ index: Int, side: Int) throws -> (input: QuadrantImage, output: QuadrantImage) {
        let pair = pairs[index]
        return (
            try QuadrantImage(name: pair.input, image: try Self.read(pair.input), side: side),
            try QuadrantImage(name: pair.output, image: try Self.read(pair.output), side: side)
        )
    }

    /// The images of one folder by name (without extension) to path.
    private static func images(in folder: String) throws -> [String: String] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue,
            let entries = try? FileManager.default.contentsOfDirectory(atPath: folder)
        else {
            throw ImagePairsError.missingFolder(path: folder)
        }
        var byName: [String: [String]] = [:]
        for entry in entries.sorted() where !entry.hasPrefix(".") {
            let file = (folder as NSString).appendingPathComponent(entry)
            let ext = (entry as NSString).pathExtension.lowercased()
            var entryIsDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: file, isDirectory: &entryIsDirectory)
            let name = (entry as NSString).deletingPathExtension
            guard !entryIsDirectory.boolValue, extensions.contains(ext), !name.isEmpty else {
                throw ImagePairsError.notAnImageName(path: file)
            }
            byName[name, default: []].append(file)
        }
        if let (name, files) = byName.first(where: { $0.value.count > 1 }) {
            throw ImagePairsError.duplicateName(folder: folder, name: name, files: files.sorted())
        }
        return byName.mapValues { $0[0] }
    }

    private static func read(_ path: String) throws -> Image8 {
        do {
            return try ImageFile.read(path)
        } catch let error as ImageCodecError {
            throw ImagePairsError.unreadableImage(path: path, reason: "\(error)")
        }
    }
}
