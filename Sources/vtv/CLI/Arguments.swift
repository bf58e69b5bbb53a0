import Foundation
import Pipeline

/// One option a command accepts: `--name VALUE` (a value option) or `--name` (a flag), or a
/// retired spelling that is refused with a message naming its replacement.
struct OptionSpec {
    enum Kind { case flag, value, retired }

    let name: String
    let kind: Kind
    /// Placeholder shown in usage, e.g. "M.h5".
    let valueName: String
    let help: String
    let required: Bool
    /// Value used when the option is absent (shown in help).
    let defaultValue: String?

    static func flag(_ name: String, _ help: String) -> OptionSpec {
        OptionSpec(name: name, kind: .flag, valueName: "", help: help, required: false, defaultValue: nil)
    }

    static func value(
        _ name: String, _ valueName: String, _ help: String,
        required: Bool = false, default defaultValue: String? = nil
    ) -> OptionSpec {
        OptionSpec(
            name: name, kind: .value, valueName: valueName, help: help, required: required,
            defaultValue: defaultValue)
    }

    /// A spelling no longer accepted, whose old meaning another option now carries: giving it is a
    /// usage error with `message` (which names the new spelling), so an old command line fails
    /// instead of silently meaning something else. Not shown in usage or help.
    static func retired(_ name: String, _ message: String) -> OptionSpec {
        OptionSpec(name: name, kind: .retired, valueName: "", help: message, required: false, defaultValue: nil)
    }
}

/// The options given to one command, validated against its specs.
struct ParsedArguments {
    let command: String
    private var values: [String: String] = [:]
    private var flags: Set<String> = []
    /// The options given on the command line (not filled in from their defaults).
    private var given: Set<String> = []
    /// Words that are not options, in order.
    private(set) var positional: [String] = []

    /// Parses `words` (everything after the command name) against `specs`.
    init(command: String, words: [String], specs: [OptionSpec], positionalAllowed: Int) throws {
        self.command = command
        let byName = Dictionary(uniqueKeysWithValues: specs.map { ($0.name, $0) })
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("--") else {
                positional.append(word)
                continue
            }
            var name = word, inlineValue: String?
            if let eq = word.firstIndex(of: "=") {
                name = String(word[..<eq])
                inlineValue = String(word[word.index(after: eq)...])
            }
            guard let spec = byName[name] else {
                let close = specs.filter { $0.kind != .retired }.map(\.name).filter { editDistance($0, name) <= 2 }
                throw UsageError(
                    "unknown option '\(name)' for '\(command)'"
                        + (close.isEmpty ? "" : "; did you mean \(close.joined(separator: " or "))?"))
            }
            given.insert(name)
            switch spec.kind {
            case .retired:
                throw UsageError("'\(command)': \(spec.help)")
            case .flag:
                if inlineValue != nil { throw UsageError("option '\(name)' takes no value") }
                flags.insert(name)
            case .value:
                if let inlineValue {
                    values[name] = inlineValue
                } else {
                    guard index < words.count else {
                        throw UsageError("option '\(name)' needs a value (\(spec.valueName))")
                    }
                    values[name] = words[index]
                    index += 1
                }
            }
        }
        if positional.count > positionalAllowed {
            throw UsageError("unexpected argument '\(positional[positionalAllowed])' for '\(command)'")
        }
        for spec in specs where spec.required && values[spec.name] == nil {
            throw UsageError("'\(command)' needs \(spec.name) \(spec.valueName)")
        }
        for spec in specs where spec.kind == .value && values[spec.name] == nil {
            if let d = spec.defaultValue { values[spec.name] = d }
        }
    }

    /// Whether the option (value or flag) was given on the command line.
    func isGiven(_ name: String) -> Bool { given.contains(name) }

    /// Replaces the default of each option not given on the command line: a value, or for a flag
    /// "true" to set it (a recipe's defaults, `vtv search --recipe`).
    mutating func replaceDefaults(_ defaults: [(name: String, value: String)]) {
        for (name, value) in defaults where !given.contains(name) {
            if value == "true" { flags.insert(name) } else { values[name] = value }
        }
    }

    /// Whether a flag was given.
    func flag(_ name: String) -> Bool { flags.contains(name) }

    /// The value of an option (or its default), if any.
    func string(_ name: String) -> String? { values[name] }

    /// The value of an option that must be present.
    func required(_ name: String) throws -> String {
        guard let v = values[name] else { throw UsageError("'\(command)' needs \(name)") }
        return v
    }

    /// The value parsed as an integer, with a specific error if it is not one.
    func int(_ name: String) throws -> Int? {
        guard let text = values[name] else { return nil }
        guard let v = Int(text) else { throw UsageError("\(name) expects an integer, got '\(text)'") }
        return v
    }

    /// The value parsed as an integer in `range`; outside it, a usage error naming the option, the
    /// accepted range and `why` (when given). Every integer option states its range this way, so no
    /// zero, negative or absurd count reaches the code that trusts it.
    func int(_ name: String, in range: ClosedRange<Int>, why: String? = nil) throws -> Int? {
        guard let v = try int(name) else { return nil }
        guard range.contains(v) else { throw OptionRange.integers(range).error(name, got: "\(v)", why: why) }
        return v
    }

    /// The value parsed as an integer of at least `minimum` (see `int(_:in:why:)`).
    func int(_ name: String, atLeast minimum: Int, why: String? = nil) throws -> Int? {
        try int(name, in: minimum ... .max, why: why)
    }

    /// The value parsed as a finite number, with a specific error otherwise: no option means nan or
    /// infinity (Swift's `Double("nan")` would accept them, and one nan logit poisons a whole search).
    func double(_ name: String) throws -> Double? {
        guard let text = values[name] else { return nil }
        guard let v = Double(text) else { throw UsageError("\(name) expects a number, got '\(text)'") }
        guard v.isFinite else { throw UsageError("\(name) expects a finite number, got '\(text)'") }
        return v
    }

    /// The value parsed as a finite number in `range` (see `int(_:in:why:)`).
    func double(_ name: String, in range: ClosedRange<Double>, why: String? = nil) throws -> Double? {
        guard let v = try double(name) else { return nil }
        guard range.contains(v) else {
            throw OptionRange.numbers(range).error(name, got: OptionRange.number(v), why: why)
        }
        return v
    }

    /// The value parsed as a finite number greater than `lower` and at most `upper`: for rates and
    /// durations, where zero means nothing happens.
    func double(
        _ name: String, above lower: Double, atMost upper: Double = .greatestFiniteMagnitude,
        why: String? = nil
    ) throws -> Double? {
        guard let v = try double(name) else { return nil }
        guard v > lower, v <= upper else {
            throw OptionRange.above(lower, atMost: upper).error(name, got: OptionRange.number(v), why: why)
        }
        return v
    }

    /// A comma-separated list of integers (`1,8,32`).
    func ints(_ name: String) throws -> [Int]? {
        guard let text = values[name] else { return nil }
        return try text.split(separator: ",").map {
            guard let v = Int($0.trimmingCharacters(in: .whitespaces)) else {
                throw UsageError("\(name) expects comma-separated integers, got '\(text)'")
            }
            return v
        }
    }

    /// A comma-separated list of integers, each in `range` (see `int(_:in:why:)`).
    func ints(_ name: String, in range: ClosedRange<Int>, why: String? = nil) throws -> [Int]? {
        guard let list = try ints(name) else { return nil }
        if let bad = list.first(where: { !range.contains($0) }) {
            throw OptionRange.integers(range).error(name, got: "\(bad)", why: why)
        }
        return list
    }

    /// A comma-separated list of words.
    func list(_ name: String) -> [String]? {
        values[name].map { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
    }

    /// A comma-separated list of file paths, in which `\,` stands for a comma inside a path and `\\`
    /// for a backslash (`--taskvectors 'a\,b.h5,c.h5'` is `a,b.h5` and `c.h5`). Spaces around each
    /// path are ignored and empty items dropped, as in `list`. Build such a value with `PathList.joined`.
    func paths(_ name: String) throws -> [String]? {
        guard let text = values[name] else { return nil }
        do {
            return try PathList.split(text).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        } catch let error as PathList.Malformed {
            throw UsageError("\(name): \(error)")
        }
    }

    /// One of the allowed words, with a specific error otherwise.
    func choice(_ name: String, _ allowed: [String]) throws -> String? {
        guard let v = values[name] else { return nil }
        guard allowed.contains(v) else {
            throw UsageError("\(name) must be one of \(allowed.joined(separator: ", ")); got '\(v)'")
        }
        return v
    }
}

/// Levenshtein distance, for "did you mean" suggestions.
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a), b = Array(b)
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
        var current = [i] + [Int](repeating: 0, count: b.count)
        for j in 1...b.count {
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
        }
        previous = current
    }
    return previous[b.count]
}
