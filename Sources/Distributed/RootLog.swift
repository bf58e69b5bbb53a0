extension Communicator {
    /// Prints `message` on rank 0 only; other ranks stay silent.
    public func log(_ message: @autoclosure () -> String) {
        if isRoot { print(message()) }
    }
}
