import Distributed
import Model
import Prompts

/// Mean and variance over the one-shot prompts of one task of every head output o[l, t, h]
/// (docs/paper.md#head-outputs), for both stacks. Element order is `HeadOutputs`' layout:
/// encoder [encoder.depth, 148, heads, headWidth], decoder [decoder.depth, 197, heads, headWidth]
/// for the 14x14 grid, row-major.
public struct TaskStatistics: Equatable {
    public var encoder: RunningStatistics
    public var decoder: RunningStatistics
    /// Identities of the prompts included (`PromptSource.identity(of:)`), in collection order.
    public var prompts: [String]

    public init(configuration: ModelConfiguration) {
        let shapes = Self.shapes(configuration)
        encoder = RunningStatistics(elements: shapes.encoder.reduce(1, *))
        decoder = RunningStatistics(elements: shapes.decoder.reduce(1, *))
        prompts = []
    }

    public init(encoder: RunningStatistics, decoder: RunningStatistics, prompts: [String]) {
        self.encoder = encoder
        self.decoder = decoder
        self.prompts = prompts
    }

    /// Prompts accumulated.
    public var count: Int { encoder.count }

    /// Where the prompts came from (sources, classes, folds), as their identities say.
    public var provenance: PromptProvenance { PromptProvenance(identities: prompts) }

    /// The one-shot shapes [depth, tokens, heads, headWidth] of the encoder and decoder statistics.
    public static func shapes(_ c: ModelConfiguration) -> (encoder: [Int], decoder: [Int]) {
        let layout = TokenLayout(mode: .oneShot, grid: c.grid)
        return (
            [c.encoder.depth, layout.encoderTokens, c.encoder.heads, c.encoder.headWidth],
            [c.decoder.depth, layout.decoderTokens, c.decoder.heads, c.decoder.headWidth]
        )
    }

    /// Adds one prompt's one-shot recording.
    public mutating func add(_ outputs: HeadOutputs, prompt: String) {
        precondition(outputs.layout.mode == .oneShot, "task statistics are over one-shot recordings")
        encoder.add(outputs.encoder)
        decoder.add(outputs.decoder)
        prompts.append(prompt)
    }

    /// The statistics of two disjoint sets of prompts.
    public func merged(with other: TaskStatistics) -> TaskStatistics {
        TaskStatistics(
            encoder: encoder.merged(with: other.encoder), decoder: decoder.merged(with: other.decoder),
            prompts: prompts + other.prompts)
    }

    /// Every rank's statistics combined, on every rank; prompt identities in rank order.
    public func combined(over world: Communicator) throws -> TaskStatistics {
        let text = try world.allgather(Array(prompts.joined(separator: "\n").utf8) + [0])
        let all = text.split(separator: 0, omittingEmptySubsequences: false).dropLast()
            .flatMap { $0.isEmpty ? [] : String(decoding: $0, as: UTF8.self).split(separator: "\n").map(String.init) }
        return TaskStatistics(
            encoder: try encoder.combined(over: world), decoder: try decoder.combined(over: world),
            prompts: all)
    }

    /// The task means as head outputs in the one-shot layout (float32), the source of task vectors.
    public func means(configuration: ModelConfiguration) -> HeadOutputs {
        HeadOutputs(
            configuration: configuration, layout: TokenLayout(mode: .oneShot, grid: configuration.grid),
            means: (encoder, decoder))
    }
}
