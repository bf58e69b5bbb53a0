import Foundation

/// Where tests find the package's fixtures and built executables.
public enum TestPaths {
    /// The package root, derived from this file's location (Tests/TestSupport/Paths.swift).
    public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `Tests/Fixtures/official-small`: the published PyTorch implementation's outputs on a small model.
    public static let officialSmall: URL = packageRoot.appendingPathComponent("Tests/Fixtures/official-small")

    /// `Tests/Fixtures/official-small/fixture.h5`.
    public static let fixtureH5: String = officialSmall.appendingPathComponent("fixture.h5").path

    /// The folder holding the test bundle, which is also where SwiftPM puts the built executables.
    public static let productsDirectory: URL = {
        // On Linux the test runner is `<products>/vtvPackageTests.xctest`, next to `vtv`.
        let runner = CommandLine.arguments.first { $0.hasSuffix(".xctest") } ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: runner).deletingLastPathComponent()
    }()

    /// The built `vtv` executable.
    public static var vtv: String { productsDirectory.appendingPathComponent("vtv").path }

    /// A fresh empty directory under the system temporary folder, removed by the caller.
    public static func temporaryDirectory(_ label: String = "vtv-test") throws -> URL {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent(
                "\(label)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
