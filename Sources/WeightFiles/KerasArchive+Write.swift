import Foundation
import ZIPFoundation

extension KerasArchive {
    /// Writes a copy of the archive to `destination` (which may be `url`):
    /// a new zip with the same members in the same order, each with its
    /// compression method, modification time and permissions; every member
    /// but model.weights.h5 holds exactly its old bytes, and model.weights.h5
    /// is the old one with the replaced datasets overwritten (see
    /// `HDF5WeightFile.write(replacing:to:)`: same types, shapes, chunking,
    /// filters and attributes, nothing else changed).
    ///
    /// Every replacement is checked before anything is written. Atomic: on
    /// failure `destination` is untouched and no temporary file remains.
    public func write(replacing replacements: [Tensor], to destination: URL) throws {
        try rethrowingWithArchivePath { try weights.checkReplacements(replacements) }
        let archive = try KerasArchive.readableArchive(url)
        try KerasArchive.withExtractedWeights(of: url, archive: archive) { weightsURL in
            try HDF5WeightFile.overwrite(weightsURL, with: replacements, reportingAs: destination.path)
            try AtomicFileWriter.write(to: destination) { temporary in
                try writeArchive(to: temporary, from: archive, weights: weightsURL, reportingAs: destination)
            }
        }
    }

    /// Builds the new zip at `temporary`: the members of `archive` in order,
    /// model.weights.h5 taken from `weights`.
    private func writeArchive(to temporary: URL, from archive: Archive, weights: URL, reportingAs destination: URL) throws {
        do {
            let output = try Archive(url: temporary, accessMode: .create)
            for member in members {
                let method: CompressionMethod = member.compressionMethod == 0 ? .none : .deflate
                let date = member.modificationDate ?? Date()
                if member.isDirectory {
                    try output.addEntry(with: member.path, type: .directory, uncompressedSize: 0, modificationDate: date,
                                        permissions: member.permissions, compressionMethod: .none) { (_: Int64, _: Int) in Data() }
                } else if member.path == KerasArchive.weightsMember {
                    try output.addEntry(with: member.path, fileURL: weights, compressionMethod: method,
                                        modificationDate: date, permissions: member.permissions)
                } else {
                    guard let entry = archive[member.path] else {
                        throw WeightFileError.io(path: url.path, reason: "member '\(member.path)' disappeared while rewriting")
                    }
                    let data = try KerasArchive.extract(entry, from: archive, path: url.path)
                    try output.addEntry(with: member.path, type: .file, uncompressedSize: Int64(data.count),
                                        modificationDate: date, permissions: member.permissions,
                                        compressionMethod: method) { position, size in
                        let start = data.startIndex + Int(position)
                        return data.subdata(in: start ..< min(start + size, data.endIndex))
                    }
                }
            }
        } catch let error as WeightFileError {
            throw error
        } catch {
            throw WeightFileError.io(path: destination.path, reason: "cannot write the zip archive (\(NPZFile.describe(error)))")
        }
    }
}

extension Archive {
    /// Adds the file at `fileURL` as member `path` with the given
    /// compression, modification date and permissions, streaming it.
    func addEntry(with path: String, fileURL: URL, compressionMethod: CompressionMethod,
                  modificationDate: Date, permissions: UInt16?) throws {
        let handle = try FileHandle(forReadingFrom: fileURL)
        defer { try? handle.close() }
        let size = try handle.seekToEnd()
        try addEntry(with: path, type: .file, uncompressedSize: Int64(size), modificationDate: modificationDate,
                     permissions: permissions, compressionMethod: compressionMethod) { position, chunk in
            try handle.seek(toOffset: UInt64(position))
            return try handle.read(upToCount: chunk) ?? Data()
        }
    }
}
