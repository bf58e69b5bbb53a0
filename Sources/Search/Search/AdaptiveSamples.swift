/// Adaptive samples per iteration (`SearchSettings.adaptiveMinimum`, `vtv search --adaptive-samples
/// MIN:MAX`; not in the paper): the search starts with MIN masks per iteration, cheap noisy steps while
/// the policy is far from any optimum, and doubles the batch, up to MAX, at every held-out check that
/// finds no better loss than every check before it: a stall says the gradient's noise, not the
/// distance to go, limits progress, and a larger batch lowers the noise as a smaller learning rate
/// would, at the same step size (the dynamic sample size of Byrd et al. 2012; "increase the batch
/// size instead of decaying the learning rate", Smith et al. 2018).
///
/// The count depends only on the held-out checks so far, which every rank holds alike (they are
/// all-gathered) and the checkpoint stores, so every rank uses the same count, and a resumed search
/// the count the uninterrupted one used.
public enum AdaptiveSamples {
    /// Held-out checks not better than the best of the checks before them (a nan loss is never better).
    public static func stalls(_ evaluations: [EvaluationRecord]) -> Int {
        var best = Double.infinity
        var stalls = 0
        for e in evaluations {
            if e.loss < best { best = e.loss } else { stalls += 1 }
        }
        return stalls
    }

    /// The samples of the next iteration: min(maximum, minimum 2^stalls).
    public static func samples(minimum: Int, maximum: Int, evaluations: [EvaluationRecord]) -> Int {
        precondition(minimum >= 1 && minimum <= maximum)
        var n = minimum
        for _ in 0..<stalls(evaluations) where n < maximum { n = min(maximum, 2 * n) }
        return n
    }
}
