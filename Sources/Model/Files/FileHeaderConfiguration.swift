import Storage

extension FileHeader {
    /// Writes the header (`write(to:)`), then `configuration` as the attributes of `/config`.
    public func write(to root: HDF5Group, configuration: ModelConfiguration) throws {
        try write(to: root)
        try configuration.writeAttributes(to: "config", in: root)
    }

    /// The model configuration recorded in the file at `root` (the attributes of `/config`).
    public static func configuration(in root: HDF5Group) throws -> ModelConfiguration {
        try ModelConfiguration(readingAttributesOf: "config", in: root)
    }
}
