import Distributed
import Foundation

/// Stores a selection of prompts in a prompts file, built by every rank of a job: `vtv prompts
/// export`'s work. Stored prompt i is selected prompt i, so the file's contents do not depend on
/// the number of ranks.
public enum PromptsExport {
    /// What to export and where.
    public struct Settings {
        /// The prompts to build, in the order they are stored.
        public var selection: PromptSelection
        /// The canvases stored per prompt, in this order.
        public var tasks: [PromptTask]
        /// The seed stored with the file (the one that drew the prompts), or nil.
        public var seed: Int?
        /// The prompts file to write; it appears only when complete.
        public var path: String

        public init(selection: PromptSelection, tasks: [PromptTask], seed: Int?, path: String) {
            self.selection = selection
            self.tasks = tasks
            self.seed = seed
            self.path = path
        }
    }

    /// What was written.
    public struct Report {
        /// Prompts stored: all of the selection on rank 0, 0 on the other ranks (which store none).
        public let stored: Int
        public let tasks: [PromptTask]
        /// The source the prompts came from.
        public let origin: String
        public let path: String

        /// The line `vtv prompts export` prints.
        public var summary: String {
            "wrote \(stored) prompt(s) x \(tasks.count) task(s) (\(tasks.map(\.rawValue).joined(separator: ", "))) "
                + "from \(origin) to \(path)"
        }
    }

    /// Why an export stopped, agreed by every rank: the first failure rank 0 saw (an unreadable
    /// image on some rank, a label of the wrong size, the file not writable). The file was discarded.
    public struct Failure: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// Builds the selected prompts on every rank (each a contiguous block, Distributed's `shard`) and
    /// writes them on rank 0, one round at a time: in round k every rank builds the k-th prompt of its
    /// block and rank 0 gathers and stores them, so rank 0 holds at most one prompt per rank. A failure
    /// on any rank is sent to rank 0, which discards the file; every rank then throws the same
    /// `Failure`, so none aborts the job. Collective: every rank of `world` calls it.
    public static func run(_ settings: Settings, world: Communicator) throws -> Report {
        let selection = settings.selection, tasks = settings.tasks
        let source = selection.source
        var writer: PromptsFileWriter?
        var failure: String?
        if world.isRoot {
            do {
                writer = try PromptsFileWriter(
                    path: settings.path, origin: source.origin, seed: settings.seed, tasks: tasks,
                    layout: source.layout)
            } catch {
                failure = "\(error)"
            }
        }
        func agreeOnFailure() throws -> Bool {
            var flag: [UInt8] = [failure == nil ? 0 : 1]
            try world.broadcast(&flag)
            return flag[0] != 0
        }

        let mine = shard(selection.indices.count, rank: world.rank, of: world.size)
        let rounds = shard(selection.indices.count, rank: 0, of: world.size).count
        let progress = ProgressReporter("prompts export", total: selection.indices.count, communicator: world)
        var stored = 0
        if try !agreeOnFailure() {
            for round in 0..<rounds {
                var message = PromptsExportMessage.idle
                if round < mine.count {
                    let position = mine.startIndex + round, index = selection.indices[position]
                    let record = try? source.prompt(index)
                    do {
                        message = .prompt(
                            position: position, record: try source.prompt(index),
                            canvases: try source.canvases(index, tasks: tasks))
                    } catch {
                        let names = record.map { " (query \($0.query), support \($0.support))" } ?? ""
                        message = .failure("prompt \(index)\(names): \(error)")
                    }
                }
                let (bytes, floats) = message.encoded()
                let counts = try world.gather([Int64(bytes.count), Int64(floats.count)])
                let allBytes = try world.gather(bytes), allFloats = try world.gather(floats)
                if let counts, let allBytes, let allFloats, let writer {
                    var byteStart = 0, floatStart = 0
                    for r in 0..<world.size where failure == nil {
                        let b = Int(counts[2 * r]), f = Int(counts[2 * r + 1])
                        let received = PromptsExportMessage.decoded(
                            Array(allBytes[byteStart..<byteStart + b]),
                            Array(allFloats[floatStart..<floatStart + f]),
                            tasks: tasks, layout: source.layout)
                        byteStart += b
                        floatStart += f
                        switch received {
                        case .idle: break
                        case let .failure(text): failure = text
                        case let .prompt(position, record, canvases):
                            do {
                                try writer.write(position, record: record, canvases: canvases)
                                stored += 1
                            } catch {
                                failure = "\(error)"
                            }
                        }
                    }
                }
                if try agreeOnFailure() { break }
                progress.update(stored)
            }
        }
        if world.isRoot {
            if failure == nil {
                do { try writer?.commit() } catch { failure = "\(error)" }
            } else {
                writer?.discard()
            }
        }
        if try agreeOnFailure() {
            throw Failure(message: try world.broadcast(failure ?? "export failed"))
        }
        return Report(stored: stored, tasks: tasks, origin: source.origin, path: settings.path)
    }
}
