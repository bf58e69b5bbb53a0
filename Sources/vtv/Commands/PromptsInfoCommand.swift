import Distributed
import Foundation
import Pipeline
import Prompts

/// `vtv prompts info`: what a prompts file holds.
let promptsInfoCommand = Command(
    name: "prompts info",
    summary: "describe a prompts file: source, canvas size, tasks, prompts per role and class",
    positional: ["P.h5"]
) { args in
    guard MPIJob.launchRank == 0 else { return 0 }
    let path = args.positional[0]
    let file = try PromptsFile(path: path)
    var roles: [String: Int] = [:], classes: [Int: Int] = [:]
    for record in file.records {
        roles[record.role ?? "(none)", default: 0] += 1
        if let c = record.classID { classes[c, default: 0] += 1 }
    }
    print(
        """
        \(path)
          source:  \(file.origin)\(file.seed.map { " (seed \($0))" } ?? "")
          canvas:  \(file.layout.size)x\(file.layout.size), quadrants \(file.layout.quadrant)x\(file.layout.quadrant)
          tasks:   \(file.tasks.map(\.rawValue).joined(separator: ", "))
          prompts: \(file.count)
          roles:   \(roles.keys.sorted().map { "\($0) \(roles[$0]!)" }.joined(separator: ", "))
          classes: \(classes.isEmpty ? "not recorded" : classes.keys.sorted().map { "\($0) (\(classes[$0]!))" }.joined(separator: ", "))
        """)
    return 0
}
