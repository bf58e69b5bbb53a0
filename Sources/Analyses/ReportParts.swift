import Foundation
import Imaging
import Plotting
import Prompts

/// The model a report's numbers come from.
public struct ReportModel: Codable, Equatable, Sendable {
    public var path: String
    public var hash: String
}

/// The prompts a report's numbers are over.
public struct ReportPrompts: Codable, Equatable, Sendable {
    /// The prompt source (`PromptSource.origin`).
    public var origin: String
    public var role: String?
    /// Selected prompt indices of the source.
    public var indices: [Int]

    init(_ selection: PromptSelection) {
        origin = selection.source.origin
        role = selection.role
        indices = selection.indices
    }

    /// "64 prompts of synthetic:0 (role eval)".
    var words: String {
        "\(indices.count) prompt(s) of `\(origin)`" + (role.map { " (role \($0))" } ?? "")
    }
}

/// The analyses' JSON: pretty, sorted keys, snake_case (as `vtv eval`'s report.json).
func reportJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    encoder.keyEncodingStrategy = .convertToSnakeCase
    return try encoder.encode(value)
}

/// Reads an analysis's JSON back.
func decodeReport<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
    let decoder = JSONDecoder()
    decoder.keyDecodingStrategy = .convertFromSnakeCase
    return try decoder.decode(type, from: data)
}

/// A variable's name shortened for a chart's axis: "decoder layer 3 head 5 Q4" -> "D3.5 Q4".
func shortName(_ name: String) -> String {
    let words = name.split(separator: " ").map(String.init)
    guard words.count >= 5, words[1] == "layer", words[3] == "head" else { return name }
    return (words[0] == "encoder" ? "E" : "D") + "\(words[2]).\(words[4])"
        + (words.count > 5 ? " " + words[5...].joined(separator: " ") : "")
}

/// A PNG of figures stacked one under another.
func stackedPNG(_ figures: [Image8], name: String) throws -> Data {
    Data(try ImageFile.encodePNG(stackedFigure(figures), name: name))
}

/// "%.4f".
func fixed(_ value: Double, _ digits: Int = 4) -> String { String(format: "%.\(digits)f", value) }
