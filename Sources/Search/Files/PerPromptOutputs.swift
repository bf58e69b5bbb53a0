import Model
import Storage

/// Every prompt's head outputs of one task in an activations file (`vtv collect --per-prompt`),
/// one chunk per prompt so that a reader (vtv, or h5py's `d[i]`) loads one prompt without the rest:
///
///     /tasks/<task>/prompt_encoder   float32 [count, encoder.depth, 148, heads, headWidth]
///     /tasks/<task>/prompt_decoder   float32 [count, decoder.depth, 197, heads, headWidth]
///
/// Row i is prompt i of the task's `prompts` attribute; chunks [1, ...] with Fletcher32, deflated
/// when asked (`gzipLevel`). The rows are the float32 recordings whose float64 mean and variance are
/// the task's `encoder_mean` ... (`TaskStatistics`). A task has both datasets or neither.
///
/// Where rows come from: a file and its number of rows (merging concatenates the sources of a task).
public struct PerPromptOutputs: Equatable, Sendable {
    public static let encoderName = "prompt_encoder"
    public static let decoderName = "prompt_decoder"

    /// The activations file holding the rows.
    public var path: String
    /// Its rows of the task.
    public var count: Int

    public init(path: String, count: Int) {
        self.path = path
        self.count = count
    }

    /// The dataset shapes of `count` prompts: [count] + the one-shot `TaskStatistics.shapes`.
    public static func shapes(_ configuration: ModelConfiguration, count: Int) -> (encoder: [Int], decoder: [Int]) {
        let s = TaskStatistics.shapes(configuration)
        return ([count] + s.encoder, [count] + s.decoder)
    }

    /// Bytes of one prompt's rows (both stacks, float32).
    public static func bytesPerPrompt(_ configuration: ModelConfiguration) -> Int {
        let s = TaskStatistics.shapes(configuration)
        return 4 * (s.encoder.reduce(1, *) + s.decoder.reduce(1, *))
    }

    /// Creates the two datasets of `task` (rows read as zero until written) under `root`.
    public static func create(
        in root: HDF5Group, task: String, count: Int, configuration: ModelConfiguration, gzipLevel: Int?
    ) throws {
        let shapes = shapes(configuration, count: count)
        try root.createRowDataset(
            "tasks/\(task)/\(encoderName)", of: Float.self, shape: shapes.encoder, gzipLevel: gzipLevel)
        try root.createRowDataset(
            "tasks/\(task)/\(decoderName)", of: Float.self, shape: shapes.decoder, gzipLevel: gzipLevel)
    }

    /// Writes one prompt's one-shot recording as row `row` of `task`.
    public static func write(_ outputs: HeadOutputs, row: Int, task: String, in root: HDF5Group) throws {
        try root.writeRow("tasks/\(task)/\(encoderName)", row: row, outputs.encoder)
        try root.writeRow("tasks/\(task)/\(decoderName)", row: row, outputs.decoder)
    }

    /// Row `row` of `task` under `root` as one-shot head outputs.
    public static func read(
        row: Int, task: String, in root: HDF5Group, configuration: ModelConfiguration
    ) throws -> HeadOutputs {
        var outputs = HeadOutputs(
            configuration: configuration, layout: TokenLayout(mode: .oneShot, grid: configuration.grid))
        outputs.encoder = try root.readRow("tasks/\(task)/\(encoderName)", row: row, as: Float.self).values
        outputs.decoder = try root.readRow("tasks/\(task)/\(decoderName)", row: row, as: Float.self).values
        return outputs
    }

    /// Whether `group` (the task's) holds per-prompt outputs of `count` prompts; throws when only one of
    /// the two datasets is there or they have another shape or element type.
    static func present(in group: HDF5Group, task: String, count: Int, configuration: ModelConfiguration) throws
        -> Bool
    {
        let has = [encoderName, decoderName].map { group.exists($0) }
        guard has[0] || has[1] else { return false }
        func fail(_ what: String) -> SearchInputError {
            .invalid("the per-prompt outputs of task '\(task)' (/tasks/\(task)/\(encoderName), \(decoderName)) \(what)")
        }
        guard has[0] && has[1] else { throw fail("are incomplete: one of the two datasets is missing") }
        let expected = shapes(configuration, count: count)
        for (name, shape) in [(encoderName, expected.encoder), (decoderName, expected.decoder)] {
            guard try group.shape(of: name) == shape else {
                throw fail("have shape \(try group.shape(of: name)) in \(name), expected \(shape) (count \(count))")
            }
            guard try group.elementKind(of: name) == .float32 else { throw fail("are not float32 in \(name)") }
        }
        return true
    }
}
