import Model
import Plotting
import Search

extension PatchVariables {
    /// Heatmap panels of per-variable values: one [layers x heads] panel per stack and token group
    /// (granularity 0: one per stack; 1: encoder cls/query, decoder cls/Q3/Q4; 2: per stack, the
    /// values summed over tokens). values: [count].
    public func panels(_ values: [Double]) -> [HeatmapPanel] {
        precondition(values.count == count)
        var panels: [HeatmapPanel] = []
        for stack in Stack.allCases {
            let s = configuration.stack(stack)
            let groupNames: [String]
            switch granularity {
            case .head: groupNames = ["all tokens"]
            case .headGroup: groupNames = stack == .encoder ? ["cls", "query"] : ["cls", "Q3", "Q4"]
            case .headToken: groupNames = ["summed over tokens"]
            }
            var grids = [[Double]](repeating: [Double](repeating: 0, count: s.depth * s.heads), count: groupNames.count)
            for v in 0..<count {
                let d = decode(v)
                guard d.stack == stack else { continue }
                let panel = granularity == .headToken ? 0 : d.group
                grids[panel][d.layer * s.heads + d.head] += values[v]
            }
            for (name, grid) in zip(groupNames, grids) {
                panels.append(
                    HeatmapPanel(
                        title: "\(stack) \(name)", rows: s.depth, columns: s.heads, values: grid,
                        rowLabel: "layer", columnLabel: "head"))
            }
        }
        return panels
    }
}
