import Foundation
import Search
import Storage
import TestSupport
import XCTest

/// `vtv search`'s options beyond the paper (--baseline leave-one-out, --antithetic, --token-warmup,
/// --stop-on-plateau, --recipe fast) under real mpirun: each keeps the policy bit-identical on 1 and 2
/// ranks, resumes exactly, belongs to the checkpoint's resume key and is recorded in the report and
/// the vectors' origin. Model and prompts: the official-small fixture, as in SearchCommandTests.
final class SearchLeversCommandTests: XCTestCase {
    static var directory: URL!
    static var model: String { directory.appendingPathComponent("model.h5").path }
    static var activations: String { directory.appendingPathComponent("activations.h5").path }

    override class func setUp() {
        super.setUp()
        directory = try! TestPaths.temporaryDirectory("search-levers")
        FixtureSearchInputs.make(in: directory, tasks: "segmentation")
    }

    override class func tearDown() {
        try? FileManager.default.removeItem(at: directory)
        super.tearDown()
    }

    func out(_ name: String) -> String { Self.directory.appendingPathComponent(name).path }

    /// A short pixel-reward search on the fixture: prompts 0-2 train, 3-4 held out, 12 masks in batches of 4.
    /// (--adaptive-samples replaces --samples.)
    func arguments(_ name: String, iterations: Int, _ extra: [String]) -> [String] {
        [
            "search", "--model", Self.model, "--activations", Self.activations, "--prompts", TestPaths.fixtureH5,
            "--task", "segmentation", "--train-prompts", "3", "--eval-prompts", "2", "--iterations",
            String(iterations)
        ] + (extra.contains("--adaptive-samples") ? [] : ["--samples", "12"])
            + [
                "--eval-every", "2", "--checkpoint-every", "3", "--mask-seed", "5", "--batch", "4", "--lr", "0.5",
                "--out", out(name)
            ] + extra
    }

    func policy(_ name: String) throws -> [Double] {
        try HDF5File.open(out(name).replacingOccurrences(of: ".h5", with: ".checkpoint.h5")).root
            .read("policy_logits", as: Double.self).values
    }

    func report(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: out(name).replacingOccurrences(of: ".h5", with: ".json"))))
            as! [String: Any]
    }

    func origin(_ name: String) throws -> String {
        guard case .string(let origin) = try HDF5File.open(out(name)).root.attribute("origin") else {
            XCTFail("no origin string")
            return ""
        }
        return origin
    }

    static let levers: [(name: String, options: [String], words: String)] = [
        ("loo", ["--baseline", "leave-one-out"], "leave-one-out baseline"),
        ("anti", ["--antithetic"], "antithetic masks"),
        ("warm", ["--token-warmup", "3"], "token reward for the first 3 iterations"),
        ("plateau", ["--stop-on-plateau", "1"], "stop after 1 evaluations without improvement"),
        ("reuse", ["--reuse", "2"], "samples of the last 2 iterations reused by importance weight"),
        ("adaptive", ["--adaptive-samples", "4:12"], "adaptive samples 4 to 12")
    ]

    /// Each option alone: 1 and 2 ranks give the same policy, which differs from the paper's
    /// (except the plateau stop, which only ends the run sooner); the option is in the origin and the
    /// report's settings.
    func testEachOptionGivesTheSamePolicyOnOneAndTwoRanks() throws {
        let paper = try runCommand(
            TestPaths.vtv, arguments("paper.h5", iterations: 6, []), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(paper.status, 0, paper.output)
        for lever in Self.levers {
            var policies: [[Double]] = []
            for ranks in [1, 2] {
                let name = "\(lever.name)-\(ranks).h5"
                let r = try runMPI(
                    ranks: ranks, TestPaths.vtv, arguments(name, iterations: 6, lever.options),
                    environment: ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"])
                XCTAssertEqual(r.status, 0, r.output)
                policies.append(try policy(name))
                let origin = try origin(name)
                XCTAssertTrue(origin.contains(lever.words), "\(lever.name): \(origin)")
            }
            XCTAssertEqual(policies[0], policies[1], "\(lever.name): 1 and 2 ranks")
            if lever.name != "plateau" {
                XCTAssertNotEqual(policies[0], try policy("paper.h5"), "\(lever.name) changes the search")
            }
            let cpu = try XCTUnwrap(try report("\(lever.name)-2.h5")["cpuSeconds"] as? Double)
            XCTAssertGreaterThan(cpu, 0, lever.name)
        }
        let settings = try report("anti-1.h5")["settings"] as! [String: Any]
        XCTAssertEqual(settings["antithetic"] as? Bool, true)
        XCTAssertEqual(try report("warm-1.h5")["settings"].flatMap { ($0 as! [String: Any])["tokenWarmup"] as? Int }, 3)
    }

    /// `--check threshold` scores the policy's p > 0.5 set at each held-out check, so with `--final
    /// threshold` the written variables are the best check's set: their held-out loss is the best
    /// loss, and each check's count of patched variables is its policy's threshold count (the last
    /// check's policy is the checkpoint's). Only the choice of the best policy changes, not the policy
    /// itself; 1 and 2 ranks agree; the published `--check sample` scores a drawn mask instead.
    func testTheThresholdCheckScoresTheSetThatIsWritten() throws {
        let environment = ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"]
        for ranks in [1, 2] {
            let name = "check-\(ranks).h5"
            let r = try runMPI(
                ranks: ranks, TestPaths.vtv,
                arguments(name, iterations: 6, ["--check", "threshold", "--final", "threshold"]),
                environment: environment)
            XCTAssertEqual(r.status, 0, r.output)
            let origin = try origin(name)
            XCTAssertTrue(origin.contains("held-out checks score the p > 0.5 set"), origin)
        }
        let one = try report("check-1.h5"), two = try report("check-2.h5")
        XCTAssertEqual(try policy("check-1.h5"), try policy("check-2.h5"))
        XCTAssertEqual(one["bestLoss"] as? Double, two["bestLoss"] as? Double)
        XCTAssertEqual((one["settings"] as? [String: Any])?["check"] as? String, "threshold")
        let best = try XCTUnwrap(one["bestLoss"] as? Double)
        let finalPixel = try XCTUnwrap((one["finalLosses"] as? [String: Any])?["pixel"] as? Double)
        XCTAssertEqual(finalPixel, best, "the written set is the best check's set")
        let chosen = try XCTUnwrap(one["chosenVariables"] as? [Int])
        let evaluations = try XCTUnwrap(one["evaluations"] as? [[String: Any]])
        let bestIteration = try XCTUnwrap(one["bestIteration"] as? Int)
        let bestCheck = try XCTUnwrap(evaluations.first { $0["iteration"] as? Int == bestIteration })
        XCTAssertEqual(bestCheck["patched"] as? Int, chosen.count)
        let last = try XCTUnwrap(evaluations.last)
        XCTAssertEqual(last["iteration"] as? Int, 6)
        XCTAssertEqual(last["patched"] as? Int, try policy("check-1.h5").filter { $0 > 0 }.count)
        // The policy is the published check's; the checks themselves are not.
        let sampled = try runMPI(
            ranks: 1, TestPaths.vtv, arguments("check-sample.h5", iterations: 6, ["--final", "threshold"]),
            environment: environment)
        XCTAssertEqual(sampled.status, 0, sampled.output)
        XCTAssertEqual(try policy("check-sample.h5"), try policy("check-1.h5"))
        let sampledChecks = try XCTUnwrap(try report("check-sample.h5")["evaluations"] as? [[String: Any]])
        XCTAssertNotEqual(sampledChecks.map { $0["patched"] as? Int }, evaluations.map { $0["patched"] as? Int })
        let refused = try runCommand(
            TestPaths.vtv, arguments("check-bad.h5", iterations: 2, ["--check", "best"]))
        XCTAssertEqual(refused.status, 2, refused.output)
        XCTAssertTrue(refused.stderr.contains("--check"), refused.output)
    }

    /// Every option at once: a 2-rank run stopped after 3 iterations resumes on 1 rank to the
    /// uninterrupted policy, and a checkpoint written without one of the options is refused with it.
    func testAllOptionsTogetherResumeExactlyOnAnotherRankCount() throws {
        let all = ["--baseline", "leave-one-out", "--antithetic", "--token-warmup", "2", "--stop-on-plateau", "4"]
        let environment = ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"]
        let whole = try runMPI(
            ranks: 2, TestPaths.vtv, arguments("all-whole.h5", iterations: 7, all), environment: environment)
        XCTAssertEqual(whole.status, 0, whole.output)
        let first = try runMPI(
            ranks: 2, TestPaths.vtv, arguments("all-part.h5", iterations: 3, all), environment: environment)
        XCTAssertEqual(first.status, 0, first.output)
        let resumed = try runMPI(
            ranks: 1, TestPaths.vtv, arguments("all-part.h5", iterations: 7, all + ["--resume"]),
            environment: environment)
        XCTAssertEqual(resumed.status, 0, resumed.output)
        XCTAssertTrue(resumed.stdout.contains("after iteration 3"), resumed.output)
        XCTAssertEqual(try policy("all-part.h5"), try policy("all-whole.h5"))
        XCTAssertEqual(
            try HDF5File.open(out("all-part.h5")).root.read("probabilities", as: Double.self).values,
            try HDF5File.open(out("all-whole.h5")).root.read("probabilities", as: Double.self).values)

        for dropped in [["--antithetic"], ["--token-warmup", "2"], ["--stop-on-plateau", "4"]] {
            var options = all
            options.removeAll { dropped.contains($0) }
            let refused = try runCommand(
                TestPaths.vtv, arguments("all-part.h5", iterations: 9, options + ["--resume"]))
            XCTAssertEqual(refused.status, 1, "without \(dropped): \(refused.output)")
            XCTAssertTrue(refused.stderr.contains("other settings"), refused.output)
        }
    }

    /// --stop-on-plateau K ends the search once K held-out checks in a row were no better than the
    /// best: fewer iterations than asked, the last check K past the best, and a resume of the finished
    /// run changes nothing.
    func testThePlateauStopEndsTheSearchEarly() throws {
        let r = try runCommand(
            TestPaths.vtv, arguments("stop.h5", iterations: 40, ["--stop-on-plateau", "1", "--lr", "0.05"]),
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(r.status, 0, r.output)
        let log = try report("stop.h5")
        let iterations = (log["iterations"] as! [[String: Any]]).count
        let evaluations = log["evaluations"] as! [[String: Any]]
        let best = log["bestIteration"] as! Int
        XCTAssertLessThan(iterations, 40, "the plateau should stop a 40-iteration search at lr 0.05")
        XCTAssertEqual(evaluations.filter { ($0["iteration"] as! Int) > best }.count, 1)
        XCTAssertEqual(evaluations.last!["iteration"] as? Int, iterations)
        let before = try policy("stop.h5")
        let again = try runCommand(
            TestPaths.vtv, arguments("stop.h5", iterations: 40, ["--stop-on-plateau", "1", "--lr", "0.05", "--resume"]),
            environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(again.status, 0, again.output)
        XCTAssertEqual(try policy("stop.h5"), before)
        XCTAssertEqual((try report("stop.h5")["iterations"] as! [[String: Any]]).count, iterations)
    }

    /// --recipe fast sets its defaults unless an option is given, is the same on 1 and 2 ranks, and
    /// is named in the origin; the default recipe's origin is unchanged.
    func testTheFastRecipeIsRecordedAndGivenOptionsWin() throws {
        var policies: [[Double]] = []
        for ranks in [1, 2] {
            let name = "fast-\(ranks).h5"
            let r = try runMPI(
                ranks: ranks, TestPaths.vtv,
                arguments(name, iterations: 6, ["--recipe", "fast", "--token-warmup", "2"]),
                environment: ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"])
            XCTAssertEqual(r.status, 0, r.output)
            policies.append(try policy(name))
        }
        XCTAssertEqual(policies[0], policies[1])
        let origin = try origin("fast-1.h5")
        XCTAssertTrue(origin.contains("recipe fast"), origin)
        XCTAssertTrue(origin.contains("leave-one-out baseline"), origin)
        let settings = try report("fast-1.h5")["settings"] as! [String: Any]
        XCTAssertEqual(settings["recipe"] as? String, "fast")
        XCTAssertEqual(settings["baseline"] as? String, "leave-one-out", "the recipe's baseline")
        XCTAssertEqual(settings["tokenWarmup"] as? Int, 2, "the given --token-warmup")
        XCTAssertEqual(settings["iterations"] as? Int, 6, "the given --iterations wins over the recipe's 14")
        XCTAssertEqual(settings["samplesPerIteration"] as? Int, 12, "the given --samples wins over the recipe's 20")

        let paper = try runCommand(
            TestPaths.vtv, arguments("plain.h5", iterations: 2, []), environment: ["VTV_QUIET": "1"])
        XCTAssertEqual(paper.status, 0, paper.output)
        XCTAssertTrue(try self.origin("plain.h5").hasPrefix("search: pixel reward, best policy at iteration"))
    }

    /// --reuse and --adaptive-samples together with the leave-one-out baseline: a 2-rank run stopped
    /// after 3 iterations resumes on 1 rank, and a 1-rank one on 2, to the uninterrupted policy (the reused
    /// iterations' logits and losses travel in the checkpoint); the report's per-iteration sample counts
    /// follow the held-out checks as `AdaptiveSamples` says, and each reused iteration's effective size is recorded.
    func testReuseAndAdaptiveSamplesResumeExactlyOnAnotherRankCount() throws {
        let options = ["--baseline", "leave-one-out", "--reuse", "2", "--adaptive-samples", "6:24", "--lr", "0.3"]
        let environment = ["VTV_QUIET": "1", "VTV_KEEP_BLAS_CORE": "1"]
        let whole = try runMPI(
            ranks: 2, TestPaths.vtv, arguments("ra-whole.h5", iterations: 9, options), environment: environment)
        XCTAssertEqual(whole.status, 0, whole.output)
        for (name, first, second) in [("ra-21.h5", 2, 1), ("ra-12.h5", 1, 2)] {
            let part = try runMPI(
                ranks: first, TestPaths.vtv, arguments(name, iterations: 3, options), environment: environment)
            XCTAssertEqual(part.status, 0, part.output)
            let resumed = try runMPI(
                ranks: second, TestPaths.vtv, arguments(name, iterations: 9, options + ["--resume"]),
                environment: environment)
            XCTAssertEqual(resumed.status, 0, resumed.output)
            XCTAssertTrue(resumed.stdout.contains("after iteration 3"), resumed.output)
            XCTAssertEqual(try policy(name), try policy("ra-whole.h5"), "\(first) then \(second) ranks")
            let a = try report(name)["iterations"] as! [[String: Any]]
            let b = try report("ra-whole.h5")["iterations"] as! [[String: Any]]
            XCTAssertEqual(a.map { $0["samples"] as? Int }, b.map { $0["samples"] as? Int })
            XCTAssertEqual(
                a.map { $0["reusedEffectiveSamples"] as? Double }, b.map { $0["reusedEffectiveSamples"] as? Double })
        }
        let log = try report("ra-whole.h5")
        let iterations = log["iterations"] as! [[String: Any]]
        let checks = (log["evaluations"] as! [[String: Any]]).map {
            EvaluationRecord(iteration: $0["iteration"] as! Int, loss: $0["loss"] as! Double, patched: 0)
        }
        for record in iterations {
            let i = record["iteration"] as! Int
            let expected = AdaptiveSamples.samples(
                minimum: 6, maximum: 24, evaluations: checks.filter { $0.iteration <= i && $0.iteration % 2 == 0 })
            XCTAssertEqual(record["samples"] as? Int, expected, "iteration \(i)")
        }
        // No reuse in the first iteration; then up to 2 earlier iterations of 6 or more samples each.
        let effective = iterations.map { $0["reusedEffectiveSamples"] as! Double }
        XCTAssertEqual(effective[0], 0)
        XCTAssertTrue(effective.dropFirst().allSatisfy { $0 >= 1 && $0 <= 48 }, "\(effective)")
        XCTAssertTrue(try origin("ra-whole.h5").contains("adaptive samples 6 to 24"))

        let refused = try runCommand(
            TestPaths.vtv,
            arguments(
                "ra-whole.h5", iterations: 12,
                options.filter { $0 != "--reuse" && $0 != "2" }
                    + ["--resume"]))
        XCTAssertEqual(refused.status, 1, refused.output)
        XCTAssertTrue(refused.stderr.contains("other settings"), refused.output)
    }

    func testBadReuseAndAdaptiveValuesAreUsageErrors() throws {
        for (extra, message) in [
            (["--reuse", "-1"], "--reuse"), (["--reuse", "11"], "--reuse"),
            (["--adaptive-samples", "8"], "MIN:MAX"), (["--adaptive-samples", "1:8"], "2 <= MIN <= MAX"),
            (["--adaptive-samples", "9:8"], "not '9:8'"), (["--adaptive-samples", "a:8"], "MIN:MAX"),
            (["--adaptive-samples", "4:12", "--baseline", "prompt"], "2 samples per training prompt")
        ] {
            let r = try runCommand(TestPaths.vtv, arguments("bad.h5", iterations: 8, extra))
            XCTAssertEqual(r.status, 2, "\(extra): \(r.output)")
            XCTAssertTrue(r.stderr.contains(message), "\(extra): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out("bad.h5")))
        }
        let both = try runCommand(
            TestPaths.vtv, arguments("bad.h5", iterations: 8, ["--adaptive-samples", "4:8"]) + ["--samples", "8"])
        XCTAssertEqual(both.status, 2, both.output)
        XCTAssertTrue(both.stderr.contains("not both"), both.stderr)
    }

    func testBadLeverValuesAreUsageErrors() throws {
        for (extra, message) in [
            (["--token-warmup", "9"], "--token-warmup"), (["--token-warmup", "-1"], "--token-warmup"),
            (["--token-warmup", "2", "--reward", "tokens"], "already tokens"),
            (["--stop-on-plateau", "-2"], "--stop-on-plateau"), (["--recipe", "slow"], "--recipe must be one of"),
            (["--baseline", "loo"], "--baseline must be one of")
        ] {
            let r = try runCommand(TestPaths.vtv, arguments("bad.h5", iterations: 8, extra))
            XCTAssertEqual(r.status, 2, "\(extra): \(r.output)")
            XCTAssertTrue(r.stderr.contains(message), "\(extra): \(r.stderr)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: out("bad.h5")))
        }
    }
}
