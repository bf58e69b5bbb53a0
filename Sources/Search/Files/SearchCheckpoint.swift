import Foundation
import Storage

/// Checkpoint files: the state plus what it belongs to, written atomically by rank 0.
///
///     /                  format="vtv-search-checkpoint", version, iteration, settings (the resume
///                        key), model_hash, tasks, adam_step, best_loss, best_iteration
///     /policy_logits, /adam_m, /adam_v, /best_logits  float64 [policy variables]
///     /best_mask         uint8 [policy variables]
///     /history           float64 [iterations, 8]   (IterationRecord fields in declaration order)
///     /evaluations       float64 [evaluations, 3]  (iteration, loss, patched)
///     cpu_seconds attribute; /history_cpu_seconds float64 [iterations], /evaluations_cpu_seconds
///                        float64 [evaluations] (nan where not kept; all three absent in older checkpoints)
///     /history_samples, /history_reused_effective  float64 [iterations]: IterationRecord's samples and
///                        reusedEffectiveSamples (nan where nil; absent when every record's is nil)
///     /recent_iterations float64 [B], /recent_counts float64 [B], /recent_logits float64 [B, policy
///                        variables], /recent_losses float64 [sum of counts]: `SearchState.recent`, the
///                        B <= K batches `--reuse K` keeps (absent when there are none)
public enum SearchCheckpoint {
    public static func write(
        _ state: SearchState, settings: SearchSettings, modelHash: String, tasks: [String],
        to path: String
    ) throws {
        let file = try HDF5File.create(path)
        let root = file.root
        try FileHeader(kind: .searchCheckpoint, modelHash: modelHash).write(to: root)
        try root.setAttribute("iteration", .int(state.iteration))
        try root.setAttribute("settings", .string(settings.resumeKey()))
        try root.setAttribute("tasks", .strings(tasks))
        try root.setAttribute("adam_step", .int(state.adam.step))
        try root.setAttribute("best_loss", .double(state.bestLoss))
        try root.setAttribute("best_iteration", .int(state.bestIteration))
        try root.setAttribute("cpu_seconds", .double(state.cpuSeconds))
        let n = state.policy.count
        try root.write("policy_logits", state.policy.logits, shape: [n])
        try root.write("adam_m", state.adam.firstMoment, shape: [n])
        try root.write("adam_v", state.adam.secondMoment, shape: [n])
        if let best = state.bestLogits, let mask = state.bestMask {
            try root.write("best_logits", best, shape: [n])
            try root.write("best_mask", mask.map { $0 ? UInt8(1) : 0 }, shape: [n])
        }
        let h = state.history
        try root.write(
            "history",
            h.flatMap {
                [
                    Double($0.iteration), $0.lossMean, $0.lossStd, $0.patchedMean, $0.expectedPatched,
                    $0.seconds, $0.samplesPerSecond, $0.communicationSeconds
                ]
            }, shape: [h.count, 8])
        let e = state.evaluations
        try root.write(
            "evaluations", e.flatMap { [Double($0.iteration), $0.loss, Double($0.patched)] }, shape: [e.count, 3])
        try root.write("history_cpu_seconds", h.map { $0.cpuSeconds ?? .nan }, shape: [h.count])
        try root.write("evaluations_cpu_seconds", e.map { $0.cpuSeconds ?? .nan }, shape: [e.count])
        if h.contains(where: { $0.samples != nil }) {
            try root.write("history_samples", h.map { $0.samples.map(Double.init) ?? .nan }, shape: [h.count])
        }
        if h.contains(where: { $0.reusedEffectiveSamples != nil }) {
            try root.write("history_reused_effective", h.map { $0.reusedEffectiveSamples ?? .nan }, shape: [h.count])
        }
        let recent = state.recent
        if !recent.isEmpty {
            try root.write("recent_iterations", recent.map { Double($0.iteration) }, shape: [recent.count])
            try root.write("recent_counts", recent.map { Double($0.losses.count) }, shape: [recent.count])
            try root.write("recent_logits", recent.flatMap(\.logits), shape: [recent.count, n])
            let losses = recent.flatMap(\.losses)
            try root.write("recent_losses", losses, shape: [losses.count])
        }
        try file.commit()
    }

    /// Reads a checkpoint, refusing one written for other settings, another model or other tasks.
    public static func read(
        _ path: String, settings: SearchSettings, modelHash: String, tasks: [String],
        variables: Int
    ) throws -> SearchState {
        let root = try FileKind.searchCheckpoint.open(path).root
        return try FileKind.searchCheckpoint.reading(path) {
            try read(root, path: path, settings: settings, modelHash: modelHash, tasks: tasks, variables: variables)
        }
    }

    private static func read(
        _ root: HDF5Group, path: String, settings: SearchSettings, modelHash: String, tasks: [String],
        variables: Int
    ) throws -> SearchState {
        let stored = try root.attribute("settings").stringValue ?? ""
        guard stored == settings.resumeKey() else {
            throw SearchInputError.invalid(
                "\(path) was written by a search with other settings (\(stored)); "
                    + "resume with the same flags, or start a new checkpoint")
        }
        let storedHash = try FileHeader(reading: root, kind: .searchCheckpoint, path: path).modelHash ?? ""
        guard storedHash == modelHash else {
            throw SearchInputError.modelMismatch(
                file: path, kind: .searchCheckpoint, found: storedHash, expected: modelHash)
        }
        guard case .strings(let storedTasks) = try root.attribute("tasks"), storedTasks == tasks else {
            throw SearchInputError.invalid("\(path) is a search over other tasks")
        }
        var state = SearchState(variables: variables, settings: settings)
        state.iteration = try root.attribute("iteration").intValue ?? 0
        state.policy.logits = try root.read("policy_logits", as: Double.self, shape: [variables]).values
        state.adam.firstMoment = try root.read("adam_m", as: Double.self, shape: [variables]).values
        state.adam.secondMoment = try root.read("adam_v", as: Double.self, shape: [variables]).values
        state.adam.step = try root.attribute("adam_step").intValue ?? 0
        state.bestLoss = try root.attribute("best_loss").doubleValue ?? .infinity
        state.bestIteration = try root.attribute("best_iteration").intValue ?? -1
        if root.exists("best_logits") {
            state.bestLogits = try root.read("best_logits", as: Double.self, shape: [variables]).values
            state.bestMask = try root.read("best_mask", as: UInt8.self, shape: [variables]).values.map { $0 != 0 }
        }
        // Counts and iteration numbers are stored as float64: check them before converting, so a
        // damaged or hand-edited checkpoint is refused with a message instead of trapping.
        func count(_ value: Double, _ what: String) throws -> Int {
            guard value.isFinite, value == value.rounded(), value >= -1, value <= Double(Int32.max) else {
                throw SearchInputError.invalid("\(path): \(what) is \(value), not a count; the checkpoint is damaged")
            }
            return Int(value)
        }
        func records(_ name: String, width: Int) throws -> [Double] {
            let array = try root.read(name, as: Double.self)
            guard array.shape.count == 2, array.shape[1] == width else {
                throw SearchInputError.invalid(
                    "\(path): '\(name)' has shape \(array.shape), expected [records, \(width)]; "
                        + "the checkpoint is damaged")
            }
            return array.values
        }
        let h = try records("history", width: 8)
        state.history = try stride(from: 0, to: h.count, by: 8).map {
            IterationRecord(
                iteration: try count(h[$0], "a history record's iteration"), lossMean: h[$0 + 1], lossStd: h[$0 + 2],
                patchedMean: h[$0 + 3], expectedPatched: h[$0 + 4], seconds: h[$0 + 5],
                samplesPerSecond: h[$0 + 6], communicationSeconds: h[$0 + 7])
        }
        let e = try records("evaluations", width: 3)
        state.evaluations = try stride(from: 0, to: e.count, by: 3).map {
            EvaluationRecord(
                iteration: try count(e[$0], "an evaluation's iteration"), loss: e[$0 + 1],
                patched: try count(e[$0 + 2], "an evaluation's patched count"))
        }
        if root.hasAttribute("cpu_seconds") {
            state.cpuSeconds = try root.attribute("cpu_seconds").doubleValue ?? 0
        }
        for (name, count) in [
            ("history_cpu_seconds", state.history.count), ("evaluations_cpu_seconds", state.evaluations.count)
        ]
        where root.exists(name) {
            let values = try root.read(name, as: Double.self).values
            guard values.count == count else {
                throw SearchInputError.invalid(
                    "\(path): '\(name)' holds \(values.count) values for \(count) records; the checkpoint is damaged")
            }
            for (i, value) in values.enumerated() where !value.isNaN {
                if name == "history_cpu_seconds" {
                    state.history[i].cpuSeconds = value
                } else {
                    state.evaluations[i].cpuSeconds = value
                }
            }
        }
        for name in ["history_samples", "history_reused_effective"] where root.exists(name) {
            let values = try root.read(name, as: Double.self).values
            guard values.count == state.history.count else {
                throw SearchInputError.invalid(
                    "\(path): '\(name)' holds \(values.count) values for \(state.history.count) records; "
                        + "the checkpoint is damaged")
            }
            for (i, value) in values.enumerated() where !value.isNaN {
                if name == "history_samples" {
                    state.history[i].samples = try count(value, "an iteration's sample count")
                } else {
                    state.history[i].reusedEffectiveSamples = value
                }
            }
        }
        if root.exists("recent_iterations") {
            let iterations = try root.read("recent_iterations", as: Double.self).values
            let counts = try root.read("recent_counts", as: Double.self, shape: [iterations.count]).values
            let logits = try root.read("recent_logits", as: Double.self, shape: [iterations.count, variables]).values
            let losses = try root.read("recent_losses", as: Double.self).values
            var start = 0
            for b in iterations.indices {
                let n = try count(counts[b], "a reused batch's sample count")
                guard n >= 0, start + n <= losses.count, losses[start..<start + n].allSatisfy(\.isFinite) else {
                    throw SearchInputError.invalid(
                        "\(path): the reused samples' losses do not match their counts or are not finite; "
                            + "the checkpoint is damaged")
                }
                state.recent.append(
                    RecentBatch(
                        iteration: try count(iterations[b], "a reused batch's iteration"),
                        logits: Array(logits[(b * variables)..<((b + 1) * variables)]),
                        losses: Array(losses[start..<start + n])))
                start += n
            }
            guard start == losses.count, state.recent.count <= settings.reuse else {
                throw SearchInputError.invalid(
                    "\(path): the reused samples (\(state.recent.count) iterations, \(losses.count) losses) do not "
                        + "match their counts or --reuse \(settings.reuse); the checkpoint is damaged")
            }
        }
        guard state.iteration >= 0, state.adam.step >= 0,
            state.policy.logits.allSatisfy(\.isFinite), state.adam.firstMoment.allSatisfy(\.isFinite),
            state.adam.secondMoment.allSatisfy({ $0.isFinite && $0 >= 0 }),
            state.recent.allSatisfy({ $0.logits.allSatisfy(\.isFinite) })
        else {
            throw SearchInputError.invalid(
                "\(path): the policy or optimizer state holds negative counts or non-finite "
                    + "values; the checkpoint is damaged")
        }
        return state
    }
}
