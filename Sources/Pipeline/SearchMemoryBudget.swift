import Model
import Search

/// What a search of `settings` holds at once, for `MemoryBudget.check`: the masks of one iteration
/// over `variables` candidates, one batch of forward passes (with their VQGAN decodes under the pixel
/// reward), the canvases of `trainPrompts` and `heldOutPrompts` prompts of each of `tasks` tasks, and
/// the history of every iteration. A command whose prompt counts come from another option (`vtv demo
/// --count`) names it as `promptsOption`.
public func searchMemoryBudget(
    _ settings: SearchSettings, configuration c: ModelConfiguration, variables: Int,
    trainPrompts: Int, heldOutPrompts: Int, tasks: Int, promptsOption: String? = nil
) -> MemoryBudget {
    var budget = MemoryBudget()
    budget.add(
        "--samples", settings.samplesPerIteration, count: settings.samplesPerIteration,
        of: MemoryCost.searchMask(variables: variables),
        for: "the masks of one iteration (\(variables) candidates each)")
    let decode = settings.reward == .pixel ? MemoryCost.decodedImage(side: c.imageSize) : 0
    // A batch never holds more than the masks of an iteration (nor the held-out prompts).
    budget.add(
        "--batch", settings.batchSize,
        count: min(settings.batchSize, max(settings.samplesPerIteration, heldOutPrompts)),
        of: MemoryCost.forwardSample(c) + decode, for: "one batch of forward passes")
    let perPrompt = Double(tasks) * MemoryCost.canvas(side: c.imageSize)
    if let promptsOption {
        let prompts = trainPrompts + heldOutPrompts
        budget.add(promptsOption, prompts, count: prompts, of: perPrompt, for: "the search prompts' canvases")
    } else {
        budget.add(
            "--train-prompts", trainPrompts, count: trainPrompts, of: perPrompt, for: "the training prompts' canvases")
        budget.add(
            "--eval-prompts", heldOutPrompts, count: heldOutPrompts, of: perPrompt,
            for: "the held-out prompts' canvases")
    }
    budget.add(
        "--iterations", settings.iterations, count: settings.iterations, of: MemoryCost.iterationRecord,
        for: "the history of every iteration")
    return budget
}
