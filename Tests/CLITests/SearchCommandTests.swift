import Foundation
import Model
import Search
import Storage
import TestSupport
import XCTest

/// `vtv search` under real mpirun: the same seed gives bit-identically the same policy on 1, 2 and 3
/// ranks, a run killed (SIGKILL to one rank) or stopped by SIGTERM resumes to exactly the
/// uninterrupted result, also on another number of ranks.
/// Model and prompts: the official-small fixture (the published code's small model).
final class SearchCommandTests: XCTestCase {
    static var directory: URL!
    static var model: String { directory.appendingPathComponent("model.h5").path }
    static var activations: String { directory.appendingPathComponent("activations.h5").path }

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("search")
        FixtureSearchInputs.make(in: directory, tasks: "segmentation,colorization")
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    func out(_ name: String) -> String { Self.directory.appendingPathComponent(name).path }

    /// A short search on the fixture: prompts 0-2 train, 3-4 held out.
    func searchArguments(_ name: String, iterations: Int = 20, reward: String = "tokens", task: String = "segmentation")
        -> [String]
    {
        [
            "search", "--model", Self.model, "--activations", Self.activations, "--prompts", TestPaths.fixtureH5,
            "--task", task, "--train-prompts", "3", "--eval-prompts", "2", "--iterations", String(iterations),
            "--samples", "12", "--eval-every", "5", "--checkpoint-every", "5", "--reward", reward, "--mask-seed", "11",
            "--batch", "4", "--out", out(name)
        ]
    }

    func policy(_ name: String) throws -> [Double] {
        let checkpoint = out(name).replacingOccurrences(of: ".h5", with: ".checkpoint.h5")
        return try HDF5File.open(checkpoint).root.read("policy_logits", as: Double.self).values
    }

    /// 12 masks in batches of 4: three chunks, split 3/0, 2/1 and 1/1/1 over the ranks; every chunk
    /// is one forward pass wherever it runs, and every rank sums the gradient in sample order.
    /// Run with OpenBLAS's generic kernels (`VTV_KEEP_BLAS_CORE=1`, no re-execution with the
    /// SkylakeX ones), whose sums depend on a row's position in a batch: with them, splitting the
    /// samples 6/6 instead of by whole chunks changes the policy (checked by mutation), which the
    /// SkylakeX kernels happen not to do for this model.
    func testTheSamePolicyComesOutOnOneTwoAndThreeRanks() throws {
        var policies: [[Double]] = []
        for ranks in [1, 2, 3] {
            let name = "det\(ranks).h5"
            let r = try runMPI(
                ranks: ranks, TestPaths.vtv, searchArguments(name),
                environment: ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"])
            XCTAssertEqual(r.status, 0, r.output)
            policies.append(try policy(name))
        }
        XCTAssertNotEqual(policies[0], [Double](repeating: -1, count: policies[0].count), "the policy moved")
        XCTAssertEqual(policies[0], policies[1], "1 and 2 ranks")
        XCTAssertEqual(policies[0], policies[2], "1 and 3 ranks")
    }

    func testARunKilledOnOneRankResumesToTheUninterruptedPolicy() throws {
        let reference = try runMPI(
            ranks: 2, TestPaths.vtv, searchArguments("whole.h5", iterations: 12), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(reference.status, 0, reference.output)

        // Rank 1 dies by SIGKILL after 7 iterations; the last checkpoint is from iteration 5.
        let killed = try runMPI(
            ranks: 2, TestPaths.vtv, searchArguments("killed.h5", iterations: 12),
            environment: ["VTV_QUIET": "1", "VTV_FAULT_KILL": "1:7"])
        XCTAssertNotEqual(killed.status, 0, "the job must fail when a rank is killed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out("killed.h5")), "no result from a killed run")
        let checkpoint = try HDF5File.open(out("killed.checkpoint.h5")).root
        XCTAssertEqual(try checkpoint.attribute("iteration"), .int(5))

        let resumed = try runMPI(
            ranks: 2, TestPaths.vtv, searchArguments("killed.h5", iterations: 12) + ["--resume"],
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.stdout.contains("resuming"), resumed.output)
        XCTAssertEqual(try policy("killed.h5"), try policy("whole.h5"), "bit-identical after resuming")
        let a = try HDF5File.open(out("killed.h5")).root, b = try HDF5File.open(out("whole.h5")).root
        XCTAssertEqual(
            try a.read("probabilities", as: Double.self).values, try b.read("probabilities", as: Double.self).values)
    }

    func testARunStartedOnTwoRanksResumesOnThreeToTheSamePolicy() throws {
        let environment = ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"] // position-sensitive kernels, as above
        let reference = try runMPI(
            ranks: 2, TestPaths.vtv, searchArguments("moved-whole.h5", iterations: 8), environment: environment)
        XCTAssertEqual(reference.status, 0, reference.output)
        let first = try runMPI(
            ranks: 2, TestPaths.vtv, searchArguments("moved.h5", iterations: 5), environment: environment)
        XCTAssertEqual(first.status, 0, first.output)
        let resumed = try runMPI(
            ranks: 3, TestPaths.vtv, searchArguments("moved.h5", iterations: 8) + ["--resume"],
            environment: environment)
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.stdout.contains("after iteration 5"), resumed.output)
        XCTAssertEqual(try policy("moved.h5"), try policy("moved-whole.h5"))
    }

    /// Rank 1 made slower (a real sleep of 25 ms per sample inside its timed compute) is handed
    /// fewer of the 8 batches, and the policy is still bit-identical to an even run's.
    func testASlowerRankGetsFewerBatchesAndTheSamePolicy() throws {
        func arguments(_ name: String) -> [String] {
            var a = searchArguments(name, iterations: 6)
            a[a.firstIndex(of: "--samples")! + 1] = "32"
            return a
        }
        let even = try runMPI(ranks: 2, TestPaths.vtv, arguments("even.h5"), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(even.status, 0, even.output)
        let slowed = try runMPI(
            ranks: 2, TestPaths.vtv, arguments("slowed.h5"), environment: ["VTV_FAULT_SLOW": "1:25"])
        XCTAssertEqual(slowed.status, 0, slowed.output)
        let last = try XCTUnwrap(
            slowed.stderr.components(separatedBy: "\n").last { $0.contains("batches per rank ") }, slowed.output)
        let split = last.components(separatedBy: "batches per rank ")[1].split(separator: "/").compactMap { Int($0) }
        XCTAssertEqual(split.count, 2, last)
        XCTAssertEqual(split.reduce(0, +), 8, last)
        XCTAssertGreaterThan(split[0], split[1], "the slowed rank 1 should get fewer batches: \(last)")
        XCTAssertEqual(try policy("slowed.h5"), try policy("even.h5"))
    }

    func testTheDefaultBatchSplitsTheSamplesEvenlyOverTheRanks() throws {
        var arguments = searchArguments("auto.h5", iterations: 1)
        arguments.removeSubrange(arguments.firstIndex(of: "--batch")!...arguments.firstIndex(of: "--batch")! + 1)
        let r = try runMPI(ranks: 2, TestPaths.vtv, arguments)
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("12 masks x 1 iterations in batches of 6"), r.output)
        XCTAssertTrue(r.stderr.contains("batches per rank 1/1"), r.output)
    }

    func testMoreRanksThanBatchesIsWarnedAbout() throws {
        var arguments = searchArguments("few.h5", iterations: 1)
        arguments[arguments.firstIndex(of: "--samples")! + 1] = "4"
        let r = try runMPI(ranks: 2, TestPaths.vtv, arguments)
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(
            r.stdout.contains("only 1 of 2 ranks get work; use --batch 2 or fewer, or --batch auto"), r.output)
        arguments[arguments.firstIndex(of: "--samples")! + 1] = "2"
        arguments[arguments.firstIndex(of: "--batch")! + 1] = "1"
        let few = try runMPI(ranks: 3, TestPaths.vtv, arguments)
        XCTAssertEqual(few.status, 0, few.output)
        XCTAssertTrue(few.stdout.contains("only 2 of 3 ranks get work; raise --samples to at least 3"), few.output)
    }

    func testSIGTERMWritesACheckpointThatResumesExactly() throws {
        let reference = try runCommand(
            TestPaths.vtv, searchArguments("plain.h5", iterations: 9), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(reference.status, 0, reference.output)
        let stopped = try runCommand(
            TestPaths.vtv, searchArguments("stopped.h5", iterations: 9),
            environment: ["VTV_QUIET": "1", "VTV_FAULT_SIGNAL": "3"])
        XCTAssertEqual(stopped.status, 130, stopped.output)
        XCTAssertTrue(stopped.stdout.contains("stopped by a signal after iteration 3"), stopped.output)
        XCTAssertEqual(try HDF5File.open(out("stopped.checkpoint.h5")).root.attribute("iteration"), .int(3))
        let resumed = try runCommand(
            TestPaths.vtv, searchArguments("stopped.h5", iterations: 9) + ["--resume"],
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertEqual(try policy("stopped.h5"), try policy("plain.h5"))
    }

    func testOutputsHoldTheChosenVariablesTheLogAndTheFigures() throws {
        var arguments = searchArguments("full.h5", iterations: 5, reward: "pixel") + ["--plots"]
        arguments[arguments.firstIndex(of: "--samples")! + 1] = "4"
        let r = try runCommand(
            TestPaths.vtv, arguments,
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        let tv = try HDF5File.open(out("full.h5")).root
        XCTAssertEqual(try tv.attribute("format"), .string("vtv-taskvectors"))
        let probabilities = try tv.read("probabilities", as: Double.self).values
        let variables = try tv.read("variables", as: Int32.self).values.map(Int.init)
        XCTAssertEqual(variables, probabilities.indices.filter { probabilities[$0] > 0.5 })
        XCTAssertEqual(try tv.attribute("final_selection"), .string("threshold"), "the default rule is recorded")
        let means = try ActivationsFile(path: Self.activations).statistics("segmentation")
        XCTAssertEqual(try TaskVectors(path: out("full.h5")).meansFrom, means.provenance, "the means' prompts")
        XCTAssertEqual(means.provenance.prompts, 3, "the fixture's three collect prompts")
        let log =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out("full.json"))))
            as! [String: Any]
        XCTAssertEqual((log["finalSelection"] as? [String: Any])?["rule"] as? String, "threshold")
        XCTAssertEqual((log["iterations"] as! [Any]).count, 5)
        XCTAssertEqual((log["evaluations"] as! [Any]).count, 1)
        let finalLosses = log["finalLosses"] as! [String: Double]
        XCTAssertEqual(Set(finalLosses.keys), ["pixel", "tokens"], "the chosen mask is reported under both rewards")
        XCTAssertTrue(r.stdout.contains("token cross-entropy"), r.output)
        for png in ["full-loss.png", "full-probabilities.png"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out(png)), png)
        }
    }

    /// `--final sample`: the written variables are one Bernoulli draw from the best policy's
    /// probabilities (stored in the file), drawn here by hand from vtv's counter-based stream
    /// (`RandomStream` named "final patch set" under the mask seed 11, Sources/Randomness/RandomStream.swift,
    /// rewritten below from its definition); the rule and its seed are in the file and the log.
    func testTheFinalSampleIsOneDrawFromTheBestPolicyAndIsRecorded() throws {
        let r = try runCommand(
            TestPaths.vtv, searchArguments("sampled.h5", iterations: 5) + ["--final", "sample"],
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        XCTAssertTrue(r.stdout.contains("by one Bernoulli sample (seed 11)"), r.output)
        let tv = try HDF5File.open(out("sampled.h5")).root
        let probabilities = try tv.read("probabilities", as: Double.self).values
        let variables = try tv.read("variables", as: Int32.self).values.map(Int.init)
        let key = handStreamKey(seed: 11, name: "final patch set")
        let drawn = probabilities.indices.filter { v in
            Double(handMix(key &+ UInt64(v) &* 0x9E37_79B9_7F4A_7C15) >> 11) / 9_007_199_254_740_992 < probabilities[v]
        }
        XCTAssertEqual(variables, drawn)
        XCTAssertFalse(drawn.isEmpty, "after 5 iterations every p is near sigmoid(-1) = 0.27: a sample takes some")
        XCTAssertNotEqual(
            drawn, probabilities.indices.filter { probabilities[$0] > 0.5 }, "the sample is not the threshold")
        XCTAssertEqual(try tv.attribute("final_selection"), .string("sample"))
        XCTAssertEqual(try tv.attribute("final_seed"), .int(11))
        let log =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out("sampled.json"))))
            as! [String: Any]
        let selection = try XCTUnwrap(log["finalSelection"] as? [String: Any])
        XCTAssertEqual(selection["rule"] as? String, "sample")
        XCTAssertEqual(selection["seed"] as? Int, 11)
        XCTAssertEqual(log["chosenVariables"] as? [Int], drawn)
    }

    /// SplitMix64's finaliser, as `RandomStream.mix` defines it.
    private func handMix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// `RandomStream(seed:name:).key`: the name hashed with FNV-1a, mixed with the seed.
    private func handStreamKey(seed: UInt64, name: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 { h = (h ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return handMix(handMix(seed) ^ (h &* 0xD1B5_4A32_D192_ED03))
    }

    func testAnUnknownFinalRuleIsAUsageError() throws {
        let r = try runCommand(TestPaths.vtv, searchArguments("rule.h5", iterations: 1) + ["--final", "median"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.stderr.contains("--final must be one of threshold, sample"), r.output)
    }

    /// Seeds are named for what they seed: `--seed`, which seeded the generated prompts of a search
    /// before, is refused (exit 2) with the new spelling, so no older command line silently changes.
    func testTheRetiredSeedOptionNamesItsNewSpelling() throws {
        let r = try runCommand(TestPaths.vtv, searchArguments("seed.h5", iterations: 1) + ["--seed", "3"])
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.stderr.contains("--seed was renamed --prompt-seed"), r.output)
        XCTAssertTrue(r.stderr.contains("--mask-seed"), r.output)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out("seed.h5")))
        let withFile = try runCommand(TestPaths.vtv, searchArguments("seed.h5", iterations: 1) + ["--prompt-seed", "3"])
        XCTAssertEqual(withFile.status, 2, withFile.output)
        XCTAssertTrue(
            withFile.stderr.contains("--prompt-seed and --canvas-size apply to generated prompts"), withFile.output)
    }

    func testMultiTaskSearchWritesOneFilePerTask() throws {
        let r = try runCommand(
            TestPaths.vtv, searchArguments("multi.h5", iterations: 2, task: "all"), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        for task in ["segmentation", "colorization"] {
            let tv = try HDF5File.open(out("multi-\(task).h5")).root
            XCTAssertEqual(try tv.attribute("task"), .string(task))
        }
    }

    /// `--precision bf16` (AVX512_BF16 CPUs only): the MAE's Linears in bf16 give the same policy on
    /// 1 and 2 ranks, another policy than fp32's, are named in the vectors' origin, and belong to the
    /// resume key. Where the CPU lacks the instruction, the option is a usage error naming it.
    func testBF16LinearsAreRankCountInvariantRecordedAndInTheResumeKey() throws {
        let environment = ["VTV_QUIET": "1"]
        guard BF16Runtime.isSupported else {
            let r = try runCommand(
                TestPaths.vtv, searchArguments("bf16-refused.h5", iterations: 2) + ["--precision", "bf16"],
                environment: environment)
            XCTAssertEqual(r.status, 2, r.output)
            XCTAssertTrue(r.stderr.contains("--precision bf16"), r.stderr)
            throw XCTSkip("this CPU lacks AVX512_BF16: only the refusal is tested")
        }
        var policies: [[Double]] = []
        for ranks in [1, 2] {
            let name = "bf16-\(ranks).h5"
            let r = try runMPI(
                ranks: ranks, TestPaths.vtv, searchArguments(name, iterations: 6) + ["--precision", "bf16"],
                environment: environment)
            XCTAssertEqual(r.status, 0, r.output)
            policies.append(try policy(name))
        }
        XCTAssertEqual(policies[0], policies[1], "1 and 2 ranks")
        let fp32 = try runCommand(TestPaths.vtv, searchArguments("fp32-6.h5", iterations: 6), environment: environment)
        XCTAssertEqual(fp32.status, 0, fp32.output)
        XCTAssertNotEqual(try policy("fp32-6.h5"), policies[0], "bf16 products change the losses and so the policy")
        XCTAssertTrue(try TaskVectors(path: out("bf16-1.h5")).origin.contains("bf16 Linear layers"))
        let resumed = try runCommand(
            TestPaths.vtv, searchArguments("bf16-1.h5", iterations: 8) + ["--resume"], environment: environment)
        XCTAssertEqual(resumed.status, 1, resumed.output)
        XCTAssertTrue(resumed.stderr.contains("other settings"), resumed.output)
    }

    func testResumingWithOtherSettingsIsRefused() throws {
        let first = try runCommand(
            TestPaths.vtv, searchArguments("other.h5", iterations: 5), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(first.status, 0, first.output)
        var changed = searchArguments("other.h5", iterations: 10) + ["--resume"]
        changed[changed.firstIndex(of: "--mask-seed")! + 1] = "12"
        let r = try runCommand(TestPaths.vtv, changed)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("other settings"), r.output)
    }

    /// `--baseline prompt` is recorded in the log and in the vectors' origin, belongs to the resume
    /// key (a checkpoint of the paper's batch baseline does not resume under it) and changes the
    /// policy that the same masks and losses give.
    func testThePromptBaselineIsRecordedAndChangesThePolicy() throws {
        let batch = try runCommand(
            TestPaths.vtv, searchArguments("baseline-batch.h5", iterations: 5), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(batch.status, 0, batch.output)
        let refused = try runCommand(
            TestPaths.vtv, searchArguments("baseline-batch.h5", iterations: 10) + ["--resume", "--baseline", "prompt"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.contains("other settings"), refused.output)

        let prompt = try runCommand(
            TestPaths.vtv, searchArguments("baseline-prompt.h5", iterations: 5) + ["--baseline", "prompt"],
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(prompt.status, 0, prompt.output)
        XCTAssertNotEqual(try policy("baseline-batch.h5"), try policy("baseline-prompt.h5"))
        let log =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out("baseline-prompt.json"))))
            as! [String: Any]
        XCTAssertEqual((log["settings"] as! [String: Any])["baseline"] as? String, "prompt")
        guard case .string(let origin) = try HDF5File.open(out("baseline-prompt.h5")).root.attribute("origin") else {
            return XCTFail("no origin string")
        }
        XCTAssertTrue(origin.contains("prompt baseline"), origin)
    }

    func testThePromptBaselineNeedsTwoSamplesPerTrainingPrompt() throws {
        var arguments = searchArguments("few.h5", iterations: 1) + ["--baseline", "prompt"]
        arguments[arguments.firstIndex(of: "--samples")! + 1] = "5"
        let r = try runCommand(TestPaths.vtv, arguments)
        XCTAssertEqual(r.status, 2, r.output)
        XCTAssertTrue(r.stderr.contains("at least 2 samples per training prompt"), r.output)
    }

    func testActivationsFromAnotherModelAreRefused() throws {
        let other = out("other-model.h5")
        let initialize = try runCommand(
            TestPaths.vtv, ["model", "init", "--config", "tiny", "--seed", "3", "--out", other])
        XCTAssertEqual(initialize.status, 0, initialize.output)
        var arguments = searchArguments("x.h5", iterations: 1)
        arguments[arguments.firstIndex(of: "--model")! + 1] = other
        let r = try runCommand(TestPaths.vtv, arguments)
        XCTAssertEqual(r.status, 1)
        XCTAssertTrue(r.stderr.contains("another model"), r.output)
    }

    /// The planted-answer check: 8 of the 20 granularity-0 variables are patched to make the target
    /// (the patched model's own token distributions on Q4); a 2-rank search with the token reward
    /// must find a mask whose loss closes most of the gap to the planted mask's, and whose likely
    /// variables are mostly the planted ones. Random chance would put 8 * 8/20 = 3.2 planted ones in a top 8.
    func testASearchRecoversAPlantedSetOfHeads() throws {
        try recoverPlantedHeads(name: "recovered", baseline: "batch")
    }

    /// The same check with advantages standardized per training prompt first.
    func testASearchWithThePromptBaselineRecoversAPlantedSetOfHeads() throws {
        try recoverPlantedHeads(name: "recovered-prompt", baseline: "prompt")
    }

    func recoverPlantedHeads(name: String, baseline: String, file: StaticString = #filePath, line: UInt = #line) throws
    {
        let planted = [1, 4, 6, 9, 12, 14, 17, 19]
        let make = try runCommand(
            TestPaths.vtv,
            [
                "taskvectors", "make", "--model", Self.model, "--activations", Self.activations,
                "--task", "segmentation", "--granularity", "0",
                "--variables", planted.map(String.init).joined(separator: ","), "--out", out("\(name)-planted.h5")
            ])
        XCTAssertEqual(make.status, 0, make.output, file: file, line: line)
        var arguments = searchArguments("\(name).h5", iterations: 50) + ["--baseline", baseline]
        arguments[arguments.firstIndex(of: "--samples")! + 1] = "32"
        arguments[arguments.firstIndex(of: "--eval-every")! + 1] = "10"
        arguments += ["--granularity", "0", "--planted", out("\(name)-planted.h5")]
        let r = try runMPI(ranks: 2, TestPaths.vtv, arguments, environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output, file: file, line: line)

        let log =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out("\(name).json"))))
            as! [String: Any]
        let plantedLoss = log["plantedLoss"] as! Double, bestLoss = log["bestLoss"] as! Double
        let startLoss = ((log["iterations"] as! [[String: Any]])[0]["lossMean"] as! Double)
        XCTAssertGreaterThan(
            startLoss - bestLoss, 0.5 * (startLoss - plantedLoss),
            "start \(startLoss), best \(bestLoss), planted \(plantedLoss)", file: file, line: line)
        let p = try HDF5File.open(out("\(name).h5")).root.read("probabilities", as: Double.self).values
        let top = Set(p.indices.sorted { p[$0] > p[$1] }.prefix(8))
        XCTAssertGreaterThanOrEqual(
            top.intersection(planted).count, 5, "top 8 by probability: \(top.sorted()), p = \(p)",
            file: file, line: line)
    }
}
