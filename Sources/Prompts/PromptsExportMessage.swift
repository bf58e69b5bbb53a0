import Foundation
import Imaging

/// What one rank sends rank 0 in a `PromptsExport` round: nothing, a built prompt, or why it failed.
/// Wire form: bytes = [kind] + UTF-8 payload (JSON of the record, or the error message);
/// floats = the canvases' values concatenated in task order, each [channels, size, size].
enum PromptsExportMessage {
    case idle
    case prompt(position: Int, record: PromptRecord, canvases: [PromptCanvas])
    case failure(String)

    private struct Wire: Codable {
        let position: Int
        let query: String
        let support: String
        let classID: Int?
        let row: Int
        let col: Int
        let role: String?
    }

    func encoded() -> (bytes: [UInt8], floats: [Float]) {
        switch self {
        case .idle: return ([0], [])
        case let .failure(text): return ([2] + Array(text.utf8), [])
        case let .prompt(position, r, canvases):
            let wire = Wire(
                position: position, query: r.query, support: r.support, classID: r.classID,
                row: r.square.row, col: r.square.col, role: r.role)
            let json = (try? JSONEncoder().encode(wire)) ?? Data()
            return ([1] + Array(json), canvases.flatMap(\.values))
        }
    }

    static func decoded(_ bytes: [UInt8], _ floats: [Float], tasks: [PromptTask], layout: CanvasLayout)
        -> PromptsExportMessage
    {
        guard let kind = bytes.first else { return .failure("export: an empty message from a rank") }
        let payload = Data(bytes.dropFirst())
        switch kind {
        case 0: return .idle
        case 2: return .failure(String(decoding: payload, as: UTF8.self))
        default:
            let n = rgbChannels * layout.size * layout.size
            guard let w = try? JSONDecoder().decode(Wire.self, from: payload), floats.count == n * tasks.count else {
                return .failure("export: a garbled prompt message from a rank")
            }
            let record = PromptRecord(
                query: w.query, support: w.support, classID: w.classID,
                square: InpaintSquare(row: w.row, col: w.col), role: w.role)
            let canvases = tasks.enumerated().map { k, task in
                PromptCanvas(task: task, layout: layout, values: Array(floats[k * n..<(k + 1) * n]))
            }
            return .prompt(position: w.position, record: record, canvases: canvases)
        }
    }
}
