import Foundation

/// A simulated cluster for tests (`cluster/rehearsal.sh`): nodes node1...nodeN on this machine,
/// each with its own network namespace, hostname, /tmp and /dev/shm, joined over TCP. Files every
/// node sees go in `shared`; the vtv binary is copied there, since the build folder may be under
/// /tmp, which each node replaces with its own.
public final class Rehearsal {
    public let name: String
    public let shared: String
    public let vtv: String
    static var script: String { TestPaths.packageRoot.appendingPathComponent("cluster/rehearsal.sh").path }

    /// Why the rehearsal could not start (no root, no namespaces); tests must fail with it, never skip.
    public struct Unavailable: Error, CustomStringConvertible {
        public let description: String
    }

    public init(nodes: Int) throws {
        name = "t" + String(UInt32.random(in: 0 ... .max) % 0xFFFFFF, radix: 16)
        let up = try runCommand(Rehearsal.script, ["up", name, String(nodes)])
        guard up.status == 0, let folder = up.stdout.split(separator: "\n").last.map(String.init) else {
            throw Unavailable(
                description: "cluster/rehearsal.sh could not build \(nodes) nodes (it needs root, "
                    + "network and mount namespaces): \(up.output)")
        }
        shared = folder
        vtv = shared + "/vtv"
        try FileManager.default.copyItem(atPath: TestPaths.vtv, toPath: vtv)
    }

    /// A path in the shared folder.
    public func path(_ name: String) -> String { shared + "/" + name }

    /// `mpirun` on node1 over the nodes' hostfile: `ranks` ranks, `perNode` on each node in turn
    /// (`--map-by ppr:K:node`), with `environment` forwarded to every rank (`-x`, as a real cluster
    /// needs: the launch agent starts remote ranks with a clean environment, as ssh does).
    public func mpirun(ranks: Int, perNode: Int, _ arguments: [String], environment: [String: String] = [:]) throws
        -> CommandResult
    {
        var env = environment
        env["OPENBLAS_NUM_THREADS"] = env["OPENBLAS_NUM_THREADS"] ?? "1"
        let forwarded = env.keys.sorted().flatMap { ["-x", "\($0)=\(env[$0]!)"] }
        return try runCommand(
            Rehearsal.script,
            [
                "mpirun", name, "-np", String(ranks), "--map-by", "ppr:\(perNode):node",
                "--oversubscribe", "--bind-to", "none"
            ] + forwarded + ["--", vtv] + arguments)
    }

    /// Runs `arguments` (a whole command line) on one node.
    public func on(_ node: String, _ arguments: [String]) throws -> CommandResult {
        try runCommand(Rehearsal.script, ["on", name, node] + arguments)
    }

    /// Removes the nodes, their folders and the shared folder.
    public func tearDown() {
        _ = try? runCommand(Rehearsal.script, ["down", name])
    }
}
