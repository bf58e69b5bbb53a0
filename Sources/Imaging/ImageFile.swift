import CImageCodecs
import Foundation
import Outputs

/// Why an image could not be read or written. Every case names the file (or "<memory>").
public enum ImageCodecError: Error, CustomStringConvertible, Equatable {
    /// The file could not be opened or read.
    case unreadable(file: String, reason: String)
    /// The bytes are neither JPEG nor PNG (sniffed from the magic bytes, not the name).
    case unknownFormat(file: String)
    /// The decoder rejected the data (truncated, bad marker, CRC error...).
    case corrupt(file: String, format: String, detail: String)
    /// A valid file of a kind we do not handle (CMYK JPEG, colour label PNG...).
    case unsupported(file: String, format: String, detail: String)
    /// Encoding or writing failed.
    case writeFailed(file: String, reason: String)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "cannot read image '\(file)': \(reason)"
        case let .unknownFormat(file):
            return "'\(file)' is neither a JPEG nor a PNG (unrecognised leading bytes)"
        case let .corrupt(file, format, detail): return "'\(file)' is a corrupt \(format): \(detail)"
        case let .unsupported(file, format, detail): return "'\(file)' is an unsupported \(format): \(detail)"
        case let .writeFailed(file, reason): return "cannot write image '\(file)': \(reason)"
        }
    }
}

/// The container formats recognised from their first bytes.
public enum ImageFormat: String, Sendable {
    case jpeg = "JPEG"
    case png = "PNG"

    /// Sniffs the magic bytes: FF D8 FF for JPEG, the 8-byte PNG signature for PNG.
    public init?(sniffing bytes: [UInt8]) {
        if bytes.count >= 3, bytes[0] == 0xFF, bytes[1] == 0xD8, bytes[2] == 0xFF {
            self = .jpeg
        } else if bytes.count >= 8, bytes[0..<8].elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) {
            self = .png
        } else {
            return nil
        }
    }
}

/// Reading and writing JPEG and PNG files as `Image8`.
public enum ImageFile {
    /// Decodes a JPEG or PNG file (format from the content). JPEG gives RGB or gray; PNG gives
    /// gray, gray+alpha, RGB or RGBA with palettes expanded and 16-bit samples cut to their high
    /// byte (as Pillow does). Call `.rgb()` for PIL's `convert('RGB')`.
    public static func read(_ path: String) throws -> Image8 {
        try decode(readBytes(path), name: path)
    }

    /// Reads a label image as one channel of raw stored values: the *indices* of a palette PNG
    /// (PASCAL VOC labels; 255 = boundary) or the levels of a gray PNG, as PIL's
    /// `np.array(Image.open(path))` gives them. Colour PNGs and JPEGs are rejected.
    public static func readLabels(_ path: String) throws -> Image8 {
        let bytes = try readBytes(path)
        guard let format = ImageFormat(sniffing: bytes) else { throw ImageCodecError.unknownFormat(file: path) }
        guard format == .png else {
            throw ImageCodecError.unsupported(
                file: path, format: "JPEG",
                detail: "label images must be PNG (lossy JPEG would alter the labels)")
        }
        return try decodePNG(bytes, mode: Int32(VTV_PNG_INDICES), name: path)
    }

    /// Decodes JPEG or PNG bytes held in memory; `name` is used in error messages.
    public static func decode(_ bytes: [UInt8], name: String = "<memory>") throws -> Image8 {
        switch ImageFormat(sniffing: bytes) {
        case .jpeg?: return try decodeJPEG(bytes, name: name)
        case .png?: return try decodePNG(bytes, mode: Int32(VTV_PNG_COLOR), name: name)
        case nil: throw ImageCodecError.unknownFormat(file: name)
        }
    }

    /// Encodes an 8-bit image (1 to 4 channels) as PNG bytes.
    public static func encodePNG(_ image: Image8, name: String = "<memory>") throws -> [UInt8] {
        var message = [CChar](repeating: 0, count: 256)
        var png: UnsafeMutablePointer<UInt8>?
        var size = 0
        let status = image.pixels.withUnsafeBufferPointer { src in
            vtv_encode_png(
                src.baseAddress, Int32(image.width), Int32(image.height), Int32(image.channels),
                &png, &size, &message, message.count)
        }
        defer { vtv_codec_free(png) }
        guard status == Int32(VTV_CODEC_OK), let png else {
            throw ImageCodecError.writeFailed(file: name, reason: "PNG encoding failed: \(string(message))")
        }
        return [UInt8](UnsafeBufferPointer(start: png, count: size))
    }

    /// Writes an image as a PNG file, published whole (`StagedFile`).
    public static func writePNG(_ image: Image8, to path: String) throws {
        try writePNG(bytes: try encodePNG(image, name: path), to: path)
    }

    /// Writes encoded PNG bytes to `path`, published whole (`StagedFile`).
    public static func writePNG(bytes: [UInt8], to path: String) throws {
        do {
            try StagedFile.write(bytes, to: path)
        } catch let error as OutputError {
            if case let .writeFailed(_, reason) = error {
                throw ImageCodecError.writeFailed(file: path, reason: reason)
            }
            throw error
        }
    }

    // MARK: - Private

    private static func readBytes(_ path: String) throws -> [UInt8] {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ImageCodecError.unreadable(file: path, reason: "no such file")
        }
        guard !isFolder.boolValue else { throw ImageCodecError.unreadable(file: path, reason: "it is a folder") }
        guard let data = FileManager.default.contents(atPath: path) else {
            // Foundation says only that reading failed; open(2) says why (permission denied, ...).
            let descriptor = open(path, O_RDONLY)
            let reason = descriptor < 0 ? String(cString: strerror(errno)) : "reading it failed"
            if descriptor >= 0 { close(descriptor) }
            throw ImageCodecError.unreadable(file: path, reason: reason)
        }
        return [UInt8](data)
    }

    private static func decodeJPEG(_ bytes: [UInt8], name: String) throws -> Image8 {
        var decoded = vtv_decoded_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { src in
            vtv_decode_jpeg(src.baseAddress, src.count, &decoded, &message, message.count)
        }
        return try finish(status, decoded, message, format: "JPEG", name: name)
    }

    private static func decodePNG(_ bytes: [UInt8], mode: Int32, name: String) throws -> Image8 {
        var decoded = vtv_decoded_image()
        var message = [CChar](repeating: 0, count: 256)
        let status = bytes.withUnsafeBufferPointer { src in
            vtv_decode_png(src.baseAddress, src.count, mode, &decoded, &message, message.count)
        }
        return try finish(status, decoded, message, format: "PNG", name: name)
    }

    private static func finish(
        _ status: Int32, _ decoded: vtv_decoded_image, _ message: [CChar],
        format: String, name: String
    ) throws -> Image8 {
        defer { vtv_codec_free(decoded.pixels) }
        switch status {
        case Int32(VTV_CODEC_OK):
            let count = Int(decoded.width) * Int(decoded.height) * Int(decoded.channels)
            let pixels = [UInt8](UnsafeBufferPointer(start: decoded.pixels, count: count))
            return Image8(
                width: Int(decoded.width), height: Int(decoded.height),
                channels: Int(decoded.channels), pixels: pixels)
        case Int32(VTV_CODEC_UNSUPPORTED):
            throw ImageCodecError.unsupported(file: name, format: format, detail: string(message))
        case Int32(VTV_CODEC_NO_MEMORY):
            throw ImageCodecError.unreadable(file: name, reason: "out of memory while decoding")
        default:
            throw ImageCodecError.corrupt(file: name, format: format, detail: string(message))
        }
    }

    private static func string(_ message: [CChar]) -> String {
        let bytes = message.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }
}
