/// PASCAL-5i's folds: the 20 classes split into 4 folds of 5 consecutive classes (fold f holds
/// classes 5f+1 ... 5f+5). The paper's protocol evaluates fold f on its own classes (validation
/// images) and collects and searches on the other three folds' classes (training images), so no
/// class it is evaluated on was seen while finding the task vectors (docs/paper.md#protocol).
/// The synthetic source has 20 classes too and takes the same folds (`SyntheticPromptSource.folds`).
public enum ClassFolds {
    public static let count = 4
    public static let classesPerFold = 5
    public static let folds = 0..<count

    /// The classes of `fold` (0...3), ascending.
    public static func classes(of fold: Int) -> [Int] {
        precondition(folds.contains(fold), "a fold is 0, 1, 2 or 3")
        return Array(fold * classesPerFold + 1...(fold + 1) * classesPerFold)
    }

    /// The classes of `folds`, ascending, without repeats.
    public static func classes(of folds: [Int]) -> [Int] {
        Set(folds).sorted().flatMap { classes(of: $0) }
    }

    /// The folds other than `fold`, ascending: the training folds when `fold` is evaluated.
    public static func others(than fold: Int) -> [Int] {
        folds.filter { $0 != fold }
    }
}
