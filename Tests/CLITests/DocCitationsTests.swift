import Foundation
import TestSupport
import XCTest

/// Every file the repository cites exists in it, and every cited section of docs/paper.md is one of
/// its headings: comments, help texts and documents send readers to files they have.
///
/// Scanned: the text files (.swift, .md, .py, .sh, .c, .h, .sbatch) under Sources, Tests, docs,
/// tools, cluster and scripts, and README.md. A citation is
/// - a markdown link `[text](target)` to a relative path (resolved from the citing file's folder),
///   in markdown files and in Swift comments (a target with a colon is a URL or code, not a path);
/// - "see PATH" where PATH ends in .md, .swift, .py or .sh (from the citing file's folder, then the root);
/// - a path from the root into one of the scanned folders ending in one of the scanned extensions or
///   .png (`docs/formats.md`, `Sources/Model/Metrics.swift`);
/// - an upper-case markdown name such as README.md (from the citing file's folder, then the root),
///   which catches citations of notes that live outside the repository;
/// - an absolute path into a machine's work or home folders, which no user has.
/// An anchor (`#name`) after a markdown file must be the GitHub slug of one of that file's headings.
final class DocCitationsTests: XCTestCase {
    private let root = TestPaths.packageRoot

    func testEveryCitedFileExistsAndEveryCitedAnchorIsAHeading() throws {
        let checker = CitationChecker(root: root)
        var problems: [String] = []
        var scanned = 0
        for file in try checker.scannedFiles() {
            guard let text = try? String(contentsOf: root.appendingPathComponent(file), encoding: .utf8) else {
                continue
            }
            scanned += 1
            problems += checker.problems(in: text, file: file)
        }
        XCTAssertGreaterThan(scanned, 100, "the scan found too few files under \(root.path)")
        XCTAssertEqual(problems, [], "\n" + problems.joined(separator: "\n"))
    }

    func testThePaperDescriptionHasTheSectionsSourcesCite() throws {
        let headings = try CitationChecker(root: root).anchors(of: "docs/paper.md")
        for anchor in [
            "model", "vqgan", "checkpoint-names", "canvas", "token-layouts", "head-outputs", "task-means",
            "search-space", "reinforce", "metrics", "flops", "taskness", "results", "protocol", "deviations"
        ] {
            XCTAssertTrue(
                headings.contains(anchor), "docs/paper.md has no heading with anchor #\(anchor): \(headings.sorted())")
        }
    }

    /// Planted citations, checked as if they were in docs/formats.md and in a source file.
    func testPlantedBadCitationsAreEachReported() {
        let checker = CitationChecker(root: root)
        let notes = "REFER" + "ENCE.md"
        let markdown = """
            A good one: [paper](paper.md#metrics), `docs/formats.md`, see ../README.md.
            [missing](nowhere.md) and [bad anchor](paper.md#no-such-section) and see docs/missing.md.
            The facts are in \(notes), section 3, and in `/work/shared/\(notes)`.
            """
        let problems = checker.problems(in: markdown, file: "docs/formats.md")
        XCTAssertEqual(problems.count, 5, problems.joined(separator: "\n"))
        for needle in ["nowhere.md", "#no-such-section", "docs/missing.md", "/work/shared/"] {
            XCTAssertTrue(problems.contains { $0.contains(needle) }, "\(needle) not reported: \(problems)")
        }
        XCTAssertTrue(problems.contains { $0.contains("'\(notes)'") }, "\(notes) not reported: \(problems)")

        let swift = "/// The search space (docs/paper.md#search-space), numbered as in docs/paper.md#search-spaces.\n"
        XCTAssertEqual(checker.problems(in: swift, file: "Sources/Model/Patching/PatchVariables.swift").count, 1)
    }

    func testAnchorsAreGitHubHeadingSlugs() {
        XCTAssertEqual(
            CitationChecker.slug("Two details of the published pipeline, found against fixture.h5"),
            "two-details-of-the-published-pipeline-found-against-fixtureh5")
        XCTAssertEqual(CitationChecker.slug("`vtv eval`: FLOPs & time"), "vtv-eval-flops--time")
        XCTAssertEqual(
            CitationChecker.anchors(ofMarkdown: "# A\n```\n# not a heading\n```\n## A\n### B b\n"),
            ["a", "a-1", "b-b"])
    }
}

/// Finds citations in text and checks them against the files under `root`.
struct CitationChecker {
    let root: URL

    static let scannedFolders = ["Sources", "Tests", "docs", "tools", "cluster", "scripts"]
    static let scannedExtensions: Set<String> = ["swift", "md", "py", "sh", "c", "h", "sbatch"]
    /// Folders of outputs and caches, not of sources.
    static let skippedFolders: Set<String> = ["__pycache__", "tools/train/work"]
    /// This file: its tests plant bad citations.
    static let skippedFiles: Set<String> = ["Tests/CLITests/DocCitationsTests.swift"]

    /// Paths (relative to the root) of every scanned file.
    func scannedFiles() throws -> [String] {
        var files = ["README.md"]
        let manager = FileManager.default
        for folder in Self.scannedFolders {
            guard
                let walker = manager.enumerator(
                    at: root.appendingPathComponent(folder), includingPropertiesForKeys: [.isDirectoryKey],
                    options: [.skipsHiddenFiles])
            else { continue }
            for case let url as URL in walker {
                let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
                if Self.skippedFolders.contains(relative) || Self.skippedFolders.contains(url.lastPathComponent) {
                    walker.skipDescendants()
                    continue
                }
                if Self.scannedExtensions.contains(url.pathExtension) && !Self.skippedFiles.contains(relative) {
                    files.append(relative)
                }
            }
        }
        return files.sorted()
    }

    /// One line per citation in `text` (the contents of `file`, relative to the root) that names a
    /// file or heading that does not exist.
    func problems(in text: String, file: String) -> [String] {
        let folder = (file as NSString).deletingLastPathComponent
        let markdown = file.hasSuffix(".md"), swift = file.hasSuffix(".swift")
        var found: [String] = []
        for (number, line) in text.components(separatedBy: "\n").enumerated() {
            // Two patterns can find the same citation; it is reported once.
            func report(_ cited: String, _ why: String) {
                let problem = "\(file):\(number + 1): '\(cited)' \(why)"
                if !found.contains(problem) { found.append(problem) }
            }

            // Elsewhere `[Type](argument)` is code, not a link.
            let linksHere = markdown || (swift && line.trimmingCharacters(in: .whitespaces).hasPrefix("//"))
            for target in linksHere ? Self.matches(#"\[[^\]]*\]\(([^)\s]+)\)"#, in: line) : []
            where !target.contains(":") {
                let (path, anchor) = Self.split(target)
                let resolved = path.isEmpty ? file : Self.normalize((folder as NSString).appendingPathComponent(path))
                check(resolved, anchor: anchor, cited: target, report)
            }
            for path in Self.matches(#"\b[Ss]ee\s+`?([A-Za-z0-9_.][A-Za-z0-9_./-]*\.(?:md|swift|py|sh))\b"#, in: line) {
                check(resolve(path, from: folder), anchor: nil, cited: path, report)
            }
            let folders = Self.scannedFolders.joined(separator: "|")
            let extensions = (Self.scannedExtensions.sorted() + ["png"]).joined(separator: "|")
            for target in Self.matches(
                #"(?<![A-Za-z0-9_./-])((?:\#(folders))/[A-Za-z0-9_./-]*\.(?:\#(extensions))(?:#[A-Za-z0-9_-]+)?)(?![A-Za-z0-9_])"#,
                in: line)
            {
                let (path, anchor) = Self.split(target)
                check(Self.normalize(path), anchor: anchor, cited: target, report)
            }
            for name in Self.matches(#"(?<![A-Za-z0-9_./-])([A-Z][A-Z0-9_]*\.md)\b"#, in: line) {
                check(resolve(name, from: folder), anchor: nil, cited: name, report)
            }
            for path in Self.matches(#"((?<![A-Za-z0-9_.~-])/(?:work|home|Users)/[^\s`'")\]]+)"#, in: line) {
                report(path, "is a path on one machine, not a file of the repository")
            }
        }
        return found
    }

    /// The root-relative path `path` names, cited from `folder`: the one in `folder` if it exists,
    /// else the one from the root.
    private func resolve(_ path: String, from folder: String) -> String {
        let local = Self.normalize((folder as NSString).appendingPathComponent(path))
        return exists(local) ? local : Self.normalize(path)
    }

    private func exists(_ path: String) -> Bool {
        !path.hasPrefix("../") && FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path)
    }

    private func check(_ path: String, anchor: String?, cited: String, _ report: (String, String) -> Void) {
        guard exists(path) else { return report(cited, "names \(path), which is not in the repository") }
        guard let anchor, path.hasSuffix(".md") else { return }
        guard let anchors = try? anchors(of: path), anchors.contains(anchor) else {
            return report(cited, "names #\(anchor), which is not a heading of \(path)")
        }
    }

    /// The heading anchors of the markdown file at `path` (root-relative).
    func anchors(of path: String) throws -> Set<String> {
        Self.anchors(ofMarkdown: try String(contentsOf: root.appendingPathComponent(path), encoding: .utf8))
    }

    /// GitHub's anchors of a markdown text's headings (outside fenced code), repeats numbered -1, -2, ...
    static func anchors(ofMarkdown text: String) -> Set<String> {
        var seen: [String: Int] = [:]
        var result: Set<String> = []
        var fenced = false
        for line in text.components(separatedBy: "\n") {
            if line.hasPrefix("```") { fenced.toggle(); continue }
            guard !fenced, let heading = matches(#"^#{1,6}\s+(.*?)\s*#*\s*$"#, in: line).first else { continue }
            let base = slug(heading)
            let count = seen[base, default: 0]
            seen[base] = count + 1
            result.insert(count == 0 ? base : "\(base)-\(count)")
        }
        return result
    }

    /// GitHub's heading slug: lower case, letters, digits, spaces, hyphens and underscores kept,
    /// spaces turned into hyphens.
    static func slug(_ heading: String) -> String {
        String(
            heading.lowercased().compactMap { c -> Character? in
                if c == " " { return "-" }
                return c.isLetter || c.isNumber || c == "-" || c == "_" ? c : nil
            })
    }

    /// Removes "." components and folds "x/.." pairs; a path that leaves the root keeps its "../".
    static func normalize(_ path: String) -> String {
        var parts: [String] = []
        for part in path.split(separator: "/").map(String.init) where part != "." && !part.isEmpty {
            if part == "..", let last = parts.last, last != ".." { parts.removeLast() } else { parts.append(part) }
        }
        return parts.joined(separator: "/")
    }

    static func split(_ target: String) -> (path: String, anchor: String?) {
        guard let hash = target.firstIndex(of: "#") else { return (target, nil) }
        return (String(target[..<hash]), String(target[target.index(after: hash)...]))
    }

    /// The first capture group of every match of `pattern` in `text`.
    static func matches(_ pattern: String, in text: String) -> [String] {
        let expression = try! NSRegularExpression(pattern: pattern)
        let range = NSRange(text.startIndex..., in: text)
        return expression.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
