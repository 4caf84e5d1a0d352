import Foundation
import ZIPFoundation

/// Opens any weight file fulcrum reads, choosing the reader by the file's
/// first bytes, never by its extension alone:
///
/// - `\x93NUMPY` → `NPYFile`
/// - `PK\x03\x04` (or an empty zip's `PK\x05\x06`) → a Keras `.keras`
///   archive when the zip holds `config.json` and `model.weights.h5`,
///   else `NPZFile`
/// - `\x89HDF\r\n\x1a\n` (at offset 0, 512, 1024, … as HDF5 allows) → the
///   HDF5 readers (Keras `.h5` layouts and flat state dicts)
/// - 8 bytes then `{` → `SafetensorsFile`
///
/// Errors name the path: a missing file, a directory, an empty file, or
/// bytes that match no format (the first bytes are shown in hex).
public enum WeightFileOpener {
    /// What the first bytes of a file say it is.
    public enum Kind: String, Sendable, Equatable {
        case npy, zip, hdf5, safetensors
    }

    /// Opens `url` with the reader its contents call for.
    public static func open(_ url: URL) throws -> any WeightFile {
        switch try sniff(url) {
        case .npy: return try NPYFile(url: url)
        case .safetensors: return try SafetensorsFile(url: url)
        case .hdf5: return try openHDF5(url)
        case .zip:
            if try isKerasArchive(url) { return try openKerasArchive(url) }
            return try NPZFile(url: url)
        }
    }

    /// The kind of file `url` holds, judged by its bytes.
    public static func sniff(_ url: URL) throws -> Kind {
        let bytes = try FileBytes.read(url)
        let path = url.path
        guard !bytes.isEmpty else { throw WeightFileError.malformed(path: path, reason: "empty file (0 bytes): not a weight file") }
        let head = [UInt8](bytes.prefix(16))
        if head.starts(with: NPYHeader.magic) { return .npy }
        if head.count < NPYHeader.magic.count, NPYHeader.magic.starts(with: head) {
            throw WeightFileError.malformed(path: path, reason: "truncated: \(head.count) bytes, only the start of an .npy magic string")
        }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) || head.starts(with: [0x50, 0x4B, 0x05, 0x06]) { return .zip }
        var offset = 0
        while offset + hdf5Signature.count <= bytes.count {
            let start = bytes.startIndex + offset
            if bytes[start ..< start + hdf5Signature.count].elementsEqual(hdf5Signature) { return .hdf5 }
            offset = offset == 0 ? 512 : offset * 2
        }
        if head.count >= 9, head[8] == UInt8(ascii: "{") { return .safetensors }
        throw WeightFileError.malformed(path: path, reason:
            "not a weight file: starts with bytes \(NPYHeader.hexBytes(head.prefix(8))) " +
            "(expected \\x93NUMPY for .npy, PK\\x03\\x04 for .npz or .keras, \\x89HDF\\r\\n\\x1a\\n for HDF5, " +
            "or an 8-byte length and '{' for safetensors)")
    }

    /// The HDF5 file signature.
    static let hdf5Signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0D, 0x0A, 0x1A, 0x0A]

    /// True when the zip at `url` is a Keras archive (holds `config.json`
    /// and `model.weights.h5`).
    static func isKerasArchive(_ url: URL) throws -> Bool {
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw WeightFileError.malformed(path: url.path, reason: "not a readable zip archive (\(NPZFile.describe(error)))")
        }
        return archive["config.json"] != nil && archive["model.weights.h5"] != nil
    }
}

/// Opens any weight file fulcrum reads (see `WeightFileOpener`); call it as
/// `WeightFiles.open(url)`.
public func open(_ url: URL) throws -> any WeightFile {
    try WeightFileOpener.open(url)
}
