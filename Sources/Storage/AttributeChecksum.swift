import Foundation

/// A checksum over every attribute of a file vtv wrote, stored in the root attribute
/// `attributes_checksum` (int64, the bit pattern of a 64-bit FNV-1a hash).
///
/// The 1.10 format checksums object headers, where numbers live, and Fletcher32 covers dataset
/// values; but variable-length strings (how h5py writes and reads `str`) live in HDF5's global
/// heap, which has no checksum. This closes that gap: a damaged task name, origin or model hash
/// is refused as corruption when the file is opened. Files without the attribute (older files,
/// files from h5py) are read unverified.
enum AttributeChecksum {
    static let name = "attributes_checksum"

    /// Objects in name order, then their attributes in name order: each object's path, each
    /// attribute's name and its value in a canonical form, separated by zero bytes.
    static func compute(_ file: HDF5File) throws -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func add(_ text: String) {
            for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
            hash = (hash ^ 0) &* 0x0000_0100_0000_01b3
        }
        let root = file.root
        for path in try objectPaths(root) {
            add(path)
            for attribute in try root.attributeNames(of: path) where !(path == "/" && attribute == name) {
                add(attribute)
                add(canonical(try root.attribute(attribute, of: path)))
            }
        }
        return Int64(bitPattern: hash)
    }

    /// Stores the checksum of a file being created.
    static func write(_ file: HDF5File) throws {
        try file.root.setAttribute(name, .int(Int(try compute(file))))
    }

    /// Checks an opened file's attributes against its checksum, if it has one.
    static func verify(_ file: HDF5File) throws {
        let root = file.root
        guard root.hasAttribute(name) else { return }
        guard case let .int(stored) = try root.attribute(name) else {
            throw HDF5Error(.corrupted("'\(name)' is not an integer"), file: file.path)
        }
        guard Int64(stored) == (try compute(file)) else {
            throw HDF5Error(.corrupted("an attribute value does not match the file's \(name)"), file: file.path)
        }
    }

    private static func objectPaths(_ group: HDF5Group) throws -> [String] {
        var paths = [group.name]
        for child in try group.children() {
            let path = group.name == "/" ? "/" + child : group.name + "/" + child
            if group.isDataset(child) {
                paths.append(path)
            } else {
                paths += try objectPaths(try group.group(child))
            }
        }
        return paths
    }

    private static func canonical(_ value: HDF5Attribute) -> String {
        switch value {
        case .string(let s): return "s:" + s
        case .strings(let s): return "S:" + s.joined(separator: "\u{0}")
        case .int(let i): return "i:\(i)"
        case .ints(let i): return "I:" + i.map(String.init).joined(separator: ",")
        case .double(let d): return "d:" + String(d.bitPattern, radix: 16)
        case .doubles(let d): return "D:" + d.map { String($0.bitPattern, radix: 16) }.joined(separator: ",")
        }
    }
}
