/// What is wrong with a folder of example image pairs (`--source pairs:DIR`, `ImagePairsFolder`).
/// Every case names the folder or file, and says what to change.
public enum ImagePairsError: Error, CustomStringConvertible, Equatable {
    /// DIR, DIR/input or DIR/output is missing or not a folder.
    case missingFolder(path: String)
    /// A file whose name does not end in .png, .jpg or .jpeg, or a folder inside input/ or output/.
    case notAnImageName(path: String)
    /// Two files of one folder share a name once the extension is removed (a.png and a.jpg).
    case duplicateName(folder: String, name: String, files: [String])
    /// Inputs without an output, outputs without an input (names, up to a few of each).
    case unpaired(folder: String, inputsOnly: [String], outputsOnly: [String], count: Int)
    /// Fewer than two pairs: a prompt's example pair must differ from its query pair.
    case tooFewPairs(folder: String, count: Int)
    /// An image that cannot be decoded.
    case unreadableImage(path: String, reason: String)
    /// The input and output of a pair differ in size.
    case sizeMismatch(name: String, input: String, inputSize: [Int], output: String, outputSize: [Int])

    public var description: String {
        switch self {
        case let .missingFolder(path):
            return "'\(path)' is not a folder; a pairs source needs DIR/input/NAME.png and DIR/output/NAME.png "
                + "(or .jpg), one output per input, matched by NAME"
        case let .notAnImageName(path):
            return "'\(path)' is not an image name: input/ and output/ may hold only .png, .jpg or .jpeg files "
                + "(names starting with '.' are skipped)"
        case let .duplicateName(folder, name, files):
            return "\(folder) holds several images named '\(name)' (\(files.joined(separator: ", "))); "
                + "a pair is matched by the name without its extension, so keep one"
        case let .unpaired(folder, inputsOnly, outputsOnly, count):
            var parts: [String] = []
            if !inputsOnly.isEmpty { parts.append("inputs without an output: " + inputsOnly.joined(separator: ", ")) }
            if !outputsOnly.isEmpty { parts.append("outputs without an input: " + outputsOnly.joined(separator: ", ")) }
            return "\(folder): \(count) image(s) have no partner (\(parts.joined(separator: "; "))); "
                + "every input/NAME needs output/NAME and the other way round"
        case let .tooFewPairs(folder, count):
            return "\(folder) holds \(count) pair(s); at least 2 are needed, since each prompt shows one pair "
                + "as its example and asks for another"
        case let .unreadableImage(path, reason): return "cannot read the image '\(path)': \(reason)"
        case let .sizeMismatch(name, input, inputSize, output, outputSize):
            return "pair '\(name)': the input \(input) is \(inputSize[1])x\(inputSize[0]) but the output \(output) "
                + "is \(outputSize[1])x\(outputSize[0]) (width x height); an input and its output must have one size"
        }
    }
}
