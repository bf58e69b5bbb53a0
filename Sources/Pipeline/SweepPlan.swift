import Search

/// One search of a sweep: a point of tasks x mask seeds x granularities x rewards x stacks.
public struct SweepRun: Codable, Equatable {
    public let task: String
    public let seed: Int
    public let granularity: Int
    public let reward: SearchSettings.Reward
    public let stacks: SearchSettings.Stacks
    /// The run's own baseline (`vtv sweep --task-baseline`), or nil for the sweep's `--baseline`.
    public let baseline: SearchSettings.Baseline?

    /// The run's files are DIR/<name>.h5, .json and .checkpoint.h5: `segmentation-seed3-g1-tokens`,
    /// with `-encoder` or `-decoder` when the search is restricted to one stack.
    public var name: String {
        "\(task)-seed\(seed)-g\(granularity)-\(reward.rawValue)" + (stacks == .both ? "" : "-\(stacks.rawValue)")
    }

    /// `base` with this run's choices.
    public func settings(_ base: SearchSettings) -> SearchSettings {
        var settings = base
        settings.seed = UInt64(seed)
        settings.granularity = granularity
        settings.reward = reward
        settings.stacks = stacks
        if let baseline { settings.baseline = baseline }
        return settings
    }

    /// The relative cost of one iteration: forward passes of `samples` masks, each followed under the
    /// pixel reward by a VQGAN decode. The granularity and the stacks change which head outputs are
    /// patched, not the cost of a forward pass.
    public func cost(samples: Int) -> Double {
        Double(samples) * (reward == .pixel ? SweepPlan.pixelRewardCost : 1)
    }

    public init(
        task: String, seed: Int, granularity: Int, reward: SearchSettings.Reward, stacks: SearchSettings.Stacks,
        baseline: SearchSettings.Baseline? = nil
    ) {
        self.task = task
        self.seed = seed
        self.granularity = granularity
        self.reward = reward
        self.stacks = stacks
        self.baseline = baseline
    }
}

/// Which ranks run which searches of a sweep. Computed alike on every rank from the runs' costs and
/// the number of ranks alone, so the ranks agree on their groups without a message.
public struct SweepPlan {
    /// A group of consecutive world ranks and the runs it performs, one after another.
    public struct Group: Equatable {
        public let firstRank: Int
        public let size: Int
        /// Indices into the planned runs, in the order the group runs them.
        public let runs: [Int]

        public var ranks: Range<Int> { firstRank..<firstRank + size }
    }

    /// A pixel-reward sample costs about 6 token-reward samples: the VQGAN decode of the canvas
    /// outweighs the MAE forward pass five times (docs/scaling.md).
    public static let pixelRewardCost = 6.0

    public let groups: [Group]

    /// Every run its own group when there are at most as many runs as ranks, groups sized in
    /// proportion to their costs (each at least one rank); otherwise one rank per group, each given
    /// runs longest first to the group with the least work so far (so the groups end together).
    public init(costs: [Double], ranks: Int) {
        precondition(ranks >= 1 && costs.allSatisfy { $0 > 0 })
        guard !costs.isEmpty else {
            groups = [Group(firstRank: 0, size: ranks, runs: [])]
            return
        }
        var members: [[Int]]
        var sizes: [Int]
        if costs.count <= ranks {
            members = costs.indices.map { [$0] }
            sizes = [Int](repeating: 1, count: costs.count)
            // Each spare rank goes to the group that would otherwise finish last (ties: the first).
            for _ in 0..<ranks - costs.count {
                let slowest = sizes.indices.max { costs[$0] / Double(sizes[$0]) < costs[$1] / Double(sizes[$1]) }!
                sizes[slowest] += 1
            }
        } else {
            members = [[Int]](repeating: [], count: ranks)
            sizes = [Int](repeating: 1, count: ranks)
            var load = [Double](repeating: 0, count: ranks)
            let longestFirst = costs.indices.sorted { costs[$0] > costs[$1] || (costs[$0] == costs[$1] && $0 < $1) }
            for run in longestFirst {
                let least = load.indices.min { load[$0] < load[$1] }!
                members[least].append(run)
                load[least] += costs[run]
            }
            members = members.map { $0.sorted() }
        }
        var first = 0
        var groups: [Group] = []
        for (g, size) in sizes.enumerated() {
            groups.append(Group(firstRank: first, size: size, runs: members[g]))
            first += size
        }
        self.groups = groups
    }

    /// The index of the group `rank` belongs to.
    public func group(of rank: Int) -> Int {
        groups.firstIndex { $0.ranks.contains(rank) }!
    }
}
