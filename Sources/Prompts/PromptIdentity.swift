extension PromptSource {
    /// The name of prompt `index` in activations files: what the prompt is made of, so that two
    /// collections share a name exactly when they share a prompt, whichever source, role or index
    /// each reached it by.
    ///
    ///     synthetic:7 query=synthetic-85899345920 support=synthetic-85899346160 class=1 square=12,3
    ///     voc:/data/VOC query=2008_000123 support=2008_004567 class=15 square=40,61
    ///
    /// The first word is where the images come from: the source's origin, except that a PASCAL
    /// source (`pascal:VOCDIR:SPLIT[:FOLD]`) is named by its VOC folder alone (`voc:VOCDIR`, as
    /// `prompts build` names its files), since the split decides which prompts exist, not what they
    /// look like. Then the query and support images, the class segmented (absent in files that do not
    /// record it) and the in-painting square. Together these fix every canvas of the prompt at a
    /// given canvas size, which the model fixes. An index alone would not do: prompt 3 of role
    /// `collect` and prompt 3 of role `train` of one synthetic seed are different scenes.
    public func identity(of index: Int) throws -> String {
        let record = try prompt(index)
        let images =
            origin.hasPrefix("pascal:")
            ? "voc:"
                + (origin.split(separator: ":", omittingEmptySubsequences: false).dropFirst().first.map(String.init)
                    ?? "")
            : origin
        let classPart = record.classID.map { " class=\($0)" } ?? ""
        return "\(images) query=\(record.query) support=\(record.support)\(classPart) "
            + "square=\(record.square.row),\(record.square.col)"
    }
}
