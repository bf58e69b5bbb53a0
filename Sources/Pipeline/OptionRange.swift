/// The values a numeric option accepts, as its usage error states them. One wording for every
/// option keeps the messages uniform: "--samples must be at least 2, got 0".
public enum OptionRange {
    case integers(ClosedRange<Int>)
    case numbers(ClosedRange<Double>)
    /// Greater than the first bound, at most the second.
    case above(Double, atMost: Double)

    /// "at least 1", "in 8...4096", "greater than 0 and at most 100".
    public var description: String {
        switch self {
        case .integers(let r):
            if r.lowerBound == r.upperBound { return "\(r.lowerBound)" }
            if r.upperBound == .max { return "at least \(r.lowerBound)" }
            if r.lowerBound == .min { return "at most \(r.upperBound)" }
            return "in \(r.lowerBound)...\(r.upperBound)"
        case .numbers(let r):
            if r.upperBound == .greatestFiniteMagnitude { return "at least \(Self.number(r.lowerBound))" }
            return "in \(Self.number(r.lowerBound))...\(Self.number(r.upperBound))"
        case let .above(lower, upper):
            return "greater than \(Self.number(lower))"
                + (upper == .greatestFiniteMagnitude ? "" : " and at most \(Self.number(upper))")
        }
    }

    /// A bound as a person writes it: "0" and "100", not "0.0" and "100.0".
    public static func number(_ x: Double) -> String {
        x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : "\(x)"
    }

    /// The usage error for `value` given to option `name`, with the reason for the range when known.
    public func error(_ name: String, got value: String, why: String?) -> UsageError {
        UsageError("\(name) must be \(description), got \(value)" + (why.map { " (\($0))" } ?? ""))
    }
}
