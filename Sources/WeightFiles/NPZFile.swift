import Foundation
import ZIPFoundation

/// A NumPy `.npz` file: a zip archive of `NAME.npy` members, stored
/// (`np.savez`) or deflated (`np.savez_compressed`).
///
/// Tensor names are the member names without `.npy` (`arr_0`, `fc1.weight`),
/// in the archive's order. Every member is read and checked (CRC, `.npy`
/// header, data length) when the file is opened.
///
/// Write-back builds a new archive with the same members in the same order,
/// each with its own compression method, modification time and
/// permissions; untouched members carry exactly their old `.npy` bytes, and
/// rewritten members keep their `.npy` header bytes (only the data changes).
public struct NPZFile: WeightFile {
    public let url: URL
    public var format: FileFormat { .npz }
    /// Guessed from the member names (`fc1.weight` → pytorch; `arr_0` →
    /// unknown), see `Framework.guess(fromTensorNames:)`.
    public var framework: Framework { Framework.guess(fromTensorNames: tensorNames) }
    public var tensorNames: [String] { members.map(\.name) }
    public var architectureJSON: String? { nil }
    public var layerWeights: [LayerWeights] { [] }
    public var optimizerTensorNames: [String] { [] }

    /// One member of the archive.
    struct Member: Sendable {
        /// The member's path inside the zip (`arr_0.npy`).
        var path: String
        /// The tensor name (`arr_0`).
        var name: String
        var isCompressed: Bool
        var modificationDate: Date?
        var permissions: UInt16?
        var array: NPYArray
    }
    let members: [Member]

    /// Opens `url`, reading and validating every member.
    ///
    /// There is deliberately no in-memory variant: ZIPFoundation's
    /// memory-backed archives trap on entry offsets past the end of the data
    /// (found by Fuzz/ FuzzNPZ), where its file-backed archives report them.
    public init(url: URL) throws {
        self.url = url
        let path = url.path
        let bytes = try FileBytes.read(url)  // uniform errors for missing files and directories
        let archive: Archive
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw WeightFileError.malformed(path: path, reason: "not a readable zip archive (\(NPZFile.describe(error)))")
        }
        var members: [Member] = []
        for entry in archive {
            let memberPath = entry.path
            guard entry.type == .file, memberPath.hasSuffix(".npy") else {
                throw WeightFileError.malformed(path: path,
                    reason: "a zip archive but not an .npz: member '\(memberPath)' is not a .npy array")
            }
            guard !members.contains(where: { $0.path == memberPath }) else {
                throw WeightFileError.malformed(path: path, reason: "member '\(memberPath)' appears twice in the archive")
            }
            var data = Data()
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry, skipCRC32: false) { chunk in data.append(chunk) }
            } catch {
                throw WeightFileError.malformed(path: path, reason: "member '\(memberPath)': cannot extract (\(NPZFile.describe(error)))")
            }
            // ZIPFoundation computes the checksum of what it extracted but
            // leaves the comparison to the caller.
            guard checksum == entry.checksum, UInt64(data.count) == entry.uncompressedSize else {
                throw WeightFileError.malformed(path: path, reason:
                    "member '\(memberPath)': CRC-32 checksum mismatch or short data: the member is corrupt")
            }
            let attributes = entry.fileAttributes
            members.append(Member(
                path: memberPath,
                name: String(memberPath.dropLast(4)),
                isCompressed: entry.isCompressed,
                modificationDate: attributes[.modificationDate] as? Date,
                permissions: (attributes[.posixPermissions] as? NSNumber).map { UInt16(truncatingIfNeeded: $0.intValue) },
                array: try NPYArray(bytes: data, path: path, member: memberPath)))
        }
        if let announced = NPZFile.announcedEntryCount(in: bytes), announced != UInt64(members.count) {
            throw WeightFileError.malformed(path: path, reason:
                "the zip's central directory announces \(announced) members, but only \(members.count) could be read: the archive is damaged")
        }
        self.members = members
    }

    /// True when the member holding `name` is deflated.
    public func isCompressed(_ name: String) throws -> Bool { try member(name).isCompressed }

    func member(_ name: String) throws -> Member {
        guard let member = members.first(where: { $0.name == name }) else {
            throw WeightFileError.noSuchTensor(path: url.path, name: name)
        }
        return member
    }

    /// The `.npy` bytes of the member holding `name`, as stored (decompressed).
    public func memberBytes(_ name: String) throws -> Data { try member(name).array.bytes }

    public func info(_ name: String) throws -> TensorInfo {
        let array = try member(name).array
        return TensorInfo(name: name, dtype: array.info.dtype, shape: array.info.shape)
    }

    public func read(_ name: String) throws -> Tensor {
        try member(name).array.tensor(named: name)
    }

    public func write(replacing replacements: [Tensor], to destination: URL) throws {
        var contents = members.map(\.array.bytes)
        for tensor in replacements {
            guard let index = members.firstIndex(where: { $0.name == tensor.name }) else {
                throw WeightFileError.noSuchTensor(path: url.path, name: tensor.name)
            }
            contents[index] = try members[index].array.replacingData(with: tensor, path: url.path)
        }
        let entries = zip(members, contents).map { member, bytes in
            ArchiveMember(path: member.path, bytes: bytes, compressed: member.isCompressed,
                          modificationDate: member.modificationDate, permissions: member.permissions)
        }
        try NPZFile.writeArchive(entries, to: destination)
    }

    /// Writes a new `.npz` holding `tensors` in order, each as the member
    /// `<name>.npy` in NumPy's own `.npy` layout, stored (like `np.savez`)
    /// or deflated (like `np.savez_compressed`); atomic.
    public static func create(at url: URL, tensors: [Tensor], compressed: Bool = false) throws {
        var seen = Set<String>()
        for tensor in tensors where !seen.insert(tensor.name).inserted {
            throw WeightFileError.invalidTensor(name: tensor.name, reason: "appears twice; \(url.path) cannot hold two members of one name")
        }
        let date = Date()
        let entries = tensors.map {
            ArchiveMember(path: $0.name + ".npy", bytes: NPYArray.encode($0), compressed: compressed,
                          modificationDate: date, permissions: 0o644)
        }
        try writeArchive(entries, to: url)
    }

    /// What one member of a new archive holds.
    struct ArchiveMember {
        var path: String
        var bytes: Data
        var compressed: Bool
        var modificationDate: Date?
        var permissions: UInt16?
    }

    /// Writes `members` as a new zip archive at `destination`, atomically.
    static func writeArchive(_ members: [ArchiveMember], to destination: URL) throws {
        try AtomicFileWriter.write(to: destination) { temporary in
            do {
                let archive = try Archive(url: temporary, accessMode: .create)
                for member in members {
                    let bytes = member.bytes
                    try archive.addEntry(
                        with: member.path, type: .file, uncompressedSize: Int64(bytes.count),
                        modificationDate: member.modificationDate ?? Date(), permissions: member.permissions,
                        compressionMethod: member.compressed ? .deflate : .none
                    ) { position, size in
                        let start = bytes.startIndex + Int(position)
                        return bytes.subdata(in: start ..< min(start + size, bytes.endIndex))
                    }
                }
            } catch let error as WeightFileError {
                throw error
            } catch {
                throw WeightFileError.io(path: destination.path, reason: "cannot write the zip archive (\(describe(error)))")
            }
        }
    }

    /// A readable account of a ZIPFoundation or system error.
    static func describe(_ error: Error) -> String {
        if let archiveError = error as? Archive.ArchiveError {
            switch archiveError {
            case .missingEndOfCentralDirectoryRecord: return "no end-of-central-directory record: truncated or not a zip"
            case .invalidCRC32: return "CRC-32 checksum mismatch: the member is corrupt"
            case .invalidCompressionMethod: return "unsupported compression method (fulcrum reads stored and deflated members)"
            case .unreadableArchive: return "the archive is damaged or unreadable"
            default: return "\(archiveError)"
            }
        }
        return SystemErrorText.describe(error)
    }
}
