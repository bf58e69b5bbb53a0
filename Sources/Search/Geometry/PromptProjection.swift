import Model

/// Every prompt's output at one head projected on its first two principal components
/// (`PrincipalComponents`), to see whether prompts cluster by task: one point per prompt, with its
/// task and its position in the task's prompt list. The rows are the head's vectors
/// (`HeadUnit.vector`: every one-shot token, [tokens * headWidth]) of every task's prompts, tasks
/// in the order given, prompts in file order.
public struct PromptProjection: Sendable {
    public struct Point: Equatable, Sendable {
        /// Index into `tasks`.
        public var task: Int
        /// Position in the task's prompt list (the row of its per-prompt outputs).
        public var prompt: Int
        public var x: Double
        public var y: Double
    }

    public let unit: HeadUnit
    public let tasks: [String]
    public let points: [Point]
    /// The two components' shares of the variance.
    public let explained: [Double]

    /// Reads the head's vector of every prompt of `readers` (one per task), one prompt at a time.
    public init(readers: [PerPromptReader], unit: HeadUnit) throws {
        var rows: [[Double]] = []
        var labels: [(Int, Int)] = []
        for (t, reader) in readers.enumerated() {
            for i in 0..<reader.count {
                let outputs = try reader.read(i)
                rows.append(
                    unit.vector(
                        in: unit.stack == .encoder ? outputs.encoder : outputs.decoder,
                        configuration: reader.configuration))
                labels.append((t, i))
            }
        }
        guard rows.count >= 2 else {
            throw SearchInputError.invalid("a projection needs at least two prompts; the tasks have \(rows.count)")
        }
        let pca = PrincipalComponents(rows: rows, components: 2)
        points = zip(labels, pca.coordinates).map {
            Point(task: $0.0, prompt: $0.1, x: $1[0], y: $1.count > 1 ? $1[1] : 0)
        }
        explained = pca.explained + Array(repeating: 0, count: max(0, 2 - pca.explained.count))
        tasks = readers.map(\.task)
        self.unit = unit
    }
}
