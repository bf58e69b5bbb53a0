/// The two transformer stacks of the MAE.
public enum Stack: Int, CaseIterable, Sendable {
    case encoder = 0
    case decoder = 1
}

extension ModelConfiguration {
    /// The configuration of `stack`.
    public func stack(_ stack: Stack) -> StackConfiguration {
        stack == .encoder ? encoder : decoder
    }
}
