/// Errors in what is handed to the VQGAN, each saying what was expected.
public enum VQGANError: Error, CustomStringConvertible, Equatable {
    case invalidConfiguration([String])
    case canvasSize(height: Int, width: Int, multiple: Int)
    case bufferSize(what: String, expected: Int, found: Int)
    case tokenOutOfRange(index: Int, token: Int32, codebookSize: Int)

    public var description: String {
        switch self {
        case .invalidConfiguration(let problems):
            return "invalid VQGAN configuration: " + problems.joined(separator: "; ")
        case let .canvasSize(height, width, multiple):
            return "canvas \(height)x\(width) cannot be tokenized: both sides must be positive multiples of \(multiple)"
        case let .bufferSize(what, expected, found):
            return "\(what) has \(found) values, expected \(expected)"
        case let .tokenOutOfRange(index, token, codebookSize):
            return "token \(token) at index \(index) is outside the codebook (0..<\(codebookSize))"
        }
    }
}
