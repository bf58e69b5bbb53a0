/// A mistake in the settings of a stage, or in how a command was called: `vtv` reports it with the
/// command's usage and exit code 2; a library caller gets it thrown like any other error.
public struct UsageError: Error, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
