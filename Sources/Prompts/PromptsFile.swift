import Foundation
import Imaging
import Storage

/// A prompts file: prompts and their canvases stored in HDF5 (layout in docs/formats.md,
/// "Prompts file"; the prompt part of fixture.h5 is the same layout).
///
/// - `/prompts/<i>/<task>/canvas`: float32 [3, size, size], values in [0, 1], for i in 0..<count;
/// - attributes of `/prompts/<i>`: `query`, `support` (strings), `inpaint_square_hw` (ints [row, col]),
///   and, optional when reading, `role` (string) and `class` (int);
/// - root attributes, all optional when reading: `format` ("vtv-prompts"), `version` (1), `source`,
///   `seed`, `tasks` (strings), `canvas_size` (int).
/// Without `tasks` the file's tasks are those present in every prompt; without `canvas_size` it is
/// read from the first canvas. Other groups and datasets (fixture.h5 has many) are ignored.
public final class PromptsFile: PromptSource {
    public let path: String
    /// The `source` attribute, or the file's path when there is none.
    public let origin: String
    /// The `seed` attribute, if any.
    public let seed: Int?
    public let tasks: [PromptTask]
    public let layout: CanvasLayout
    /// Prompt i's attributes, for i in 0..<count.
    public let records: [PromptRecord]
    public var count: Int { records.count }
    private let file: HDF5File

    /// Opens and checks a prompts file: every prompt must have its attributes and a canvas for every task.
    public init(path: String) throws {
        self.path = path
        file = try FileKind.prompts.open(path)
        let root = file.root
        func fail(_ reason: String) -> PromptSourceError { .notAPromptsFile(path: path, reason: reason) }
        guard root.exists("prompts"), !root.isDataset("prompts") else { throw fail("it has no /prompts group") }
        let names = try root.children("prompts")
        let numbers = names.compactMap { Int($0) }.sorted()
        guard !numbers.isEmpty else { throw fail("/prompts holds no numbered prompt groups") }
        guard numbers == Array(0..<numbers.count), numbers.count == names.count else {
            throw fail(
                "prompt groups must be named 0...\(names.count - 1); found \(names.sorted().prefix(8).joined(separator: ", "))"
            )
        }

        var records: [PromptRecord] = []
        for i in numbers { records.append(try PromptsFile.readRecord(root, path: path, index: i)) }
        self.records = records

        if root.hasAttribute("tasks") {
            let names: [String]
            switch try root.attribute("tasks") {
            case let .strings(list): names = list
            case let .string(one): names = [one]
            default: throw fail("its 'tasks' attribute is not a list of task names")
            }
            tasks = try names.map { name in
                guard let task = PromptTask(rawValue: name) else { throw fail("it lists an unknown task '\(name)'") }
                return task
            }
            for i in numbers {
                for task in tasks where !root.isDataset("prompts/\(i)/\(task.rawValue)/canvas") {
                    throw PromptSourceError.promptMissingTask(path: path, index: i, task: task.rawValue)
                }
            }
        } else {
            tasks = PromptTask.allCases.filter { task in
                numbers.allSatisfy { root.isDataset("prompts/\($0)/\(task.rawValue)/canvas") }
            }
            guard !tasks.isEmpty else { throw fail("no task has a canvas in every prompt") }
        }

        if root.hasAttribute("canvas_size") {
            guard case let .int(size) = try root.attribute("canvas_size"), size >= 4 else {
                throw fail("its 'canvas_size' attribute is not an integer of at least 4")
            }
            layout = CanvasLayout(size: size)
        } else {
            let shape = try root.shape(of: "prompts/0/\(tasks[0].rawValue)/canvas")
            guard shape.count == 3, shape[0] == rgbChannels, shape[1] == shape[2], shape[1] >= 4 else {
                throw fail(
                    "canvas /prompts/0/\(tasks[0].rawValue)/canvas has shape \(shape), expected [\(rgbChannels), S, S]")
            }
            layout = CanvasLayout(size: shape[1])
        }
        origin = root.hasAttribute("source") ? (try root.attribute("source")).description : path
        if root.hasAttribute("seed"), case let .int(s) = try root.attribute("seed") { seed = s } else { seed = nil }
    }

    public func prompt(_ index: Int) throws -> PromptRecord {
        try checkIndex(index)
        return records[index]
    }

    /// Reads the stored canvases; each must be float32 [3, size, size].
    public func canvases(_ index: Int, tasks wanted: [PromptTask]) throws -> [PromptCanvas] {
        try checkIndex(index)
        try requireTasks(wanted)
        return try wanted.map { task in
            let stored = try file.root.read(
                "prompts/\(index)/\(task.rawValue)/canvas", as: Float.self,
                shape: [rgbChannels, layout.size, layout.size])
            return PromptCanvas(task: task, layout: layout, values: stored.values)
        }
    }

    /// Closes the file (also done when the object is released).
    public func close() { file.discard() }

    private static func readRecord(_ root: HDF5Group, path: String, index: Int) throws -> PromptRecord {
        let group = "prompts/\(index)"
        func fail(_ reason: String) -> PromptSourceError { .malformedPrompt(path: path, index: index, reason: reason) }
        func string(_ name: String) throws -> String? {
            guard root.hasAttribute(name, of: group) else { return nil }
            guard case let .string(s) = try root.attribute(name, of: group) else {
                throw fail("attribute '\(name)' is not a string")
            }
            return s
        }
        guard let query = try string("query"), let support = try string("support") else {
            throw fail("it needs string attributes 'query' and 'support'")
        }
        guard root.hasAttribute("inpaint_square_hw", of: group),
            case let .ints(hw) = try root.attribute("inpaint_square_hw", of: group), hw.count == 2
        else {
            throw fail("it needs the attribute 'inpaint_square_hw' ([row, col] integers)")
        }
        var classID: Int?
        if root.hasAttribute("class", of: group) {
            guard case let .int(c) = try root.attribute("class", of: group) else {
                throw fail("attribute 'class' is not an integer")
            }
            classID = c
        }
        return PromptRecord(
            query: query, support: support, classID: classID,
            square: InpaintSquare(row: hw[0], col: hw[1]), role: try string("role"))
    }
}

/// Writes a prompts file; nothing appears at the destination until `commit()`, and a writer
/// released without committing leaves nothing behind.
public final class PromptsFileWriter {
    public let path: String
    public let tasks: [PromptTask]
    public let layout: CanvasLayout
    private let file: HDF5File
    private var written = Set<Int>()

    /// Starts a file for prompts of `tasks` on `layout` canvases; `origin` and `seed` describe
    /// where they came from (root attributes `source` and `seed`).
    public init(path: String, origin: String, seed: Int?, tasks: [PromptTask], layout: CanvasLayout) throws {
        guard !tasks.isEmpty else { throw PromptSourceError.canvasMismatch(reason: "no tasks to store") }
        self.path = path
        self.tasks = tasks
        self.layout = layout
        file = try HDF5File.create(path)
        let root = file.root
        try FileHeader(kind: .prompts).write(to: root)
        try root.setAttribute("source", .string(origin))
        if let seed { try root.setAttribute("seed", .int(seed)) }
        try root.setAttribute("tasks", .strings(tasks.map(\.rawValue)))
        try root.setAttribute("canvas_size", .int(layout.size))
        try root.createGroup("prompts")
    }

    /// Stores prompt `index`: its attributes and one canvas per task, in the writer's task order.
    public func write(_ index: Int, record: PromptRecord, canvases: [PromptCanvas]) throws {
        guard canvases.map(\.task) == tasks else {
            throw PromptSourceError.canvasMismatch(
                reason: "prompt \(index) has tasks \(canvases.map(\.task.rawValue)), "
                    + "the file \(tasks.map(\.rawValue))")
        }
        guard canvases.allSatisfy({ $0.layout == layout }) else {
            throw PromptSourceError.canvasMismatch(
                reason: "prompt \(index) is not on \(layout.size)x\(layout.size) canvases")
        }
        let root = file.root, group = "prompts/\(index)"
        for canvas in canvases {
            // One chunk per channel; canvases are 8-bit values divided by 255 and compress about 2x.
            try root.write(
                "\(group)/\(canvas.task.rawValue)/canvas", canvas.values,
                shape: [rgbChannels, layout.size, layout.size],
                compression: .gzip(level: 1, rowsPerChunk: 1))
        }
        try root.setAttribute("query", .string(record.query), on: group)
        try root.setAttribute("support", .string(record.support), on: group)
        try root.setAttribute("inpaint_square_hw", .ints([record.square.row, record.square.col]), on: group)
        if let role = record.role { try root.setAttribute("role", .string(role), on: group) }
        if let classID = record.classID { try root.setAttribute("class", .int(classID), on: group) }
        written.insert(index)
    }

    /// Publishes the file at `path`; the prompts written must be numbered 0..<n.
    public func commit() throws {
        guard !written.isEmpty, written.count == (written.max() ?? 0) + 1, written.min() == 0 else {
            file.discard()
            throw PromptSourceError.canvasMismatch(
                reason: "the prompts written are not numbered 0...\(written.count - 1)")
        }
        try file.commit()
    }

    /// Abandons the file; nothing is left at `path`.
    public func discard() { file.discard() }
}

extension PromptCanvas {
    /// A canvas from stored values: `values` is [3, size, size] channel-major in [0, 1].
    public init(task: PromptTask, layout: CanvasLayout, values: [Float]) {
        precondition(
            values.count == rgbChannels * layout.size * layout.size,
            "canvas values do not fill [\(rgbChannels), \(layout.size), \(layout.size)]")
        self.layout = layout
        self.task = task
        self.values = values
    }
}
