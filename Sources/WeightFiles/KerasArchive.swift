import Foundation
import HDF5
import ZIPFoundation

/// A Keras 3 `.keras` archive: a zip of `metadata.json`, `config.json` and
/// `model.weights.h5` (a Keras 3 `.weights.h5`), usually stored
/// uncompressed.
///
/// Tensors are those of the inner `model.weights.h5`, named by their paths
/// there (`layers/dense/vars/0`). `architectureJSON` is config.json.
/// `layerWeights` names each layer as config.json does, in its
/// `model.layers` order (nested models' layers included), placing it by the
/// `name` attribute Keras writes on each `vars` group, or, for files
/// without it, by saving_lib's naming (`KerasSavingNames`).
///
/// Opening extracts model.weights.h5 to a temporary file, opens it and
/// deletes the file at once (the open handle keeps it readable); nothing
/// is left behind.
public struct KerasArchive: WeightFile {
    /// The archive's path.
    public let url: URL
    /// Always `kerasArchive`.
    public var format: FileFormat { .kerasArchive }
    /// Always `keras`.
    public var framework: Framework { .keras }
    /// Dataset paths inside model.weights.h5 (`layers/dense/vars/0`),
    /// depth-first in ascending name order.
    public var tensorNames: [String] { weights.tensorNames }
    /// config.json, as Keras wrote it.
    public let architectureJSON: String?
    /// metadata.json (Keras version, save date), as Keras wrote it.
    public let metadataJSON: String?
    /// Layers with weights, named and ordered as config.json has them.
    public let layerWeights: [LayerWeights]
    /// The optimizer's variables (`optimizer/vars/<i>`).
    public var optimizerTensorNames: [String] { weights.optimizerTensorNames }

    /// The archive member holding the weights.
    static let weightsMember = "model.weights.h5"

    /// One member of the archive, as write-back must reproduce it.
    struct Member: Sendable {
        var path: String
        /// A folder entry (`assets/`), which has no data.
        var isDirectory: Bool
        var compressionMethod: UInt16
        var modificationDate: Date?
        var permissions: UInt16?
    }

    let members: [Member]
    let weights: HDF5WeightFile

    /// Opens the archive at `url`. Throws `WeightFileError` naming the path
    /// when it is not a readable zip, lacks config.json or
    /// model.weights.h5, config.json is not JSON, or model.weights.h5 is
    /// not a Keras 3 weights file.
    public static func open(_ url: URL) throws -> KerasArchive {
        let path = url.path
        _ = try FileBytes.read(url)
        let archive = try readableArchive(url)
        var members: [Member] = []
        for entry in archive {
            guard entry.type != .symlink else {
                throw WeightFileError.malformed(path: path, reason: "a Keras archive holds files and folders, but '\(entry.path)' is a symbolic link")
            }
            let attributes = entry.fileAttributes
            members.append(Member(path: entry.path, isDirectory: entry.type == .directory, compressionMethod: entry.isCompressed ? CompressionMethod.deflate.rawValue : 0,
                                  modificationDate: attributes[.modificationDate] as? Date,
                                  permissions: (attributes[.posixPermissions] as? NSNumber).map { UInt16(truncatingIfNeeded: $0.intValue) }))
        }
        guard archive[weightsMember] != nil, let configEntry = archive["config.json"] else {
            throw WeightFileError.malformed(path: path, reason: "a zip archive but not a Keras archive: it lacks config.json or model.weights.h5")
        }
        let configText = String(decoding: try extract(configEntry, from: archive, path: path), as: UTF8.self)
        guard let config = try? JSONSerialization.jsonObject(with: Data(configText.utf8)) as? [String: Any] else {
            throw WeightFileError.malformed(path: path, reason: "config.json is not a JSON object")
        }
        let metadata = try archive["metadata.json"].map { String(decoding: try extract($0, from: archive, path: path), as: UTF8.self) }

        let weights = try withExtractedWeights(of: url, archive: archive) { weightsURL in
            try HDF5WeightFile.open(weightsURL, displayPath: "\(path) (\(weightsMember))")
        }
        guard weights.format == .keras3WeightsH5 else {
            throw WeightFileError.malformed(path: path,
                reason: "\(weightsMember) is not a Keras 3 weights file (no layers/…/vars/… datasets)")
        }
        return KerasArchive(url: url, architectureJSON: configText, metadataJSON: metadata,
                            layerWeights: layerWeights(weights, config: config), members: members, weights: weights)
    }

    /// Shape and dtype of a tensor of model.weights.h5.
    public func info(_ name: String) throws -> TensorInfo {
        try rethrowingWithArchivePath { try weights.info(name) }
    }

    /// One tensor of model.weights.h5, C order, native byte order.
    public func read(_ name: String) throws -> Tensor {
        try rethrowingWithArchivePath { try weights.read(name) }
    }

    /// Runs `body`, reporting a missing tensor against the archive's path.
    func rethrowingWithArchivePath<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch WeightFileError.noSuchTensor(_, let name) {
            throw WeightFileError.noSuchTensor(path: url.path, name: name)
        }
    }

    /// The layers of config.json in `model.layers` order with the
    /// variables of each: a `vars` group whose `name` attribute is the
    /// layer's name, or, when the group has no such attribute, the group
    /// at saving_lib's path for the layer. Layers without variables are
    /// left out; `vars` groups that no config layer claims follow, named
    /// by their attribute or key, so no weights go missing.
    static func layerWeights(_ weights: HDF5WeightFile, config: [String: Any]) -> [LayerWeights] {
        var unplaced = weights.keras3Owners
        var result: [LayerWeights] = []
        for placement in KerasSavingNames.placements(inModelConfig: config) {
            let index = unplaced.firstIndex { $0.nameAttribute == placement.layer }
                ?? unplaced.firstIndex { $0.nameAttribute == nil && $0.path == placement.path }
            guard let index else { continue }
            result.append(LayerWeights(layer: placement.layer, tensors: unplaced[index].tensors))
            unplaced.remove(at: index)
        }
        return result + unplaced.map { LayerWeights(layer: $0.nameAttribute ?? $0.path, tensors: $0.tensors) }
    }

    static func readableArchive(_ url: URL) throws -> Archive {
        do {
            return try Archive(url: url, accessMode: .read)
        } catch {
            throw WeightFileError.malformed(path: url.path, reason: "not a readable zip archive (\(NPZFile.describe(error)))")
        }
    }

    static func extract(_ entry: Entry, from archive: Archive, path: String) throws -> Data {
        var data = Data()
        do {
            _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
        } catch {
            throw WeightFileError.malformed(path: path, reason: "member '\(entry.path)': cannot extract (\(NPZFile.describe(error)))")
        }
        return data
    }

    /// Extracts model.weights.h5 into a new temporary directory, runs
    /// `body` on it and removes the directory, whatever happens. The
    /// directory is locked (`flock`) while in use; directories a killed
    /// process left behind are removed first (see
    /// `removeStaleExtractionDirectories`).
    static func withExtractedWeights<T>(of url: URL, archive: Archive, _ body: (URL) throws -> T) throws -> T {
        guard let entry = archive[weightsMember] else {
            throw WeightFileError.malformed(path: url.path, reason: "a zip archive but not a Keras archive: it lacks \(weightsMember)")
        }
        removeStaleExtractionDirectories()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(extractionPrefix + UUID().uuidString)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw WeightFileError.io(path: url.path, reason: "cannot create a temporary directory: \(SystemErrorText.describe(error))")
        }
        let lock = AtomicFileWriter.DirectoryLock(directory)
        _ = lock?.tryExclusive()
        defer {
            try? FileManager.default.removeItem(at: directory)
            lock?.release()
        }
        let weightsURL = directory.appendingPathComponent(weightsMember)
        do {
            _ = try archive.extract(entry, to: weightsURL, skipCRC32: false)
        } catch {
            throw WeightFileError.malformed(path: url.path, reason: "member '\(weightsMember)': cannot extract (\(NPZFile.describe(error)))")
        }
        return try body(weightsURL)
    }

    /// The name prefix of the extraction directories in the system's
    /// temporary folder.
    static let extractionPrefix = "fulcrum-keras-"

    /// Removes the extraction directories of processes that no longer run:
    /// those in the temporary folder, created before this process started,
    /// whose lock can be taken (a live process holds its directory's lock
    /// until it has removed it; a killed one's lock died with it). Returns
    /// what was removed.
    @discardableResult
    static func removeStaleExtractionDirectories(in folder: URL = FileManager.default.temporaryDirectory) -> [URL] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { return [] }
        var removed: [URL] = []
        for name in names where name.hasPrefix(extractionPrefix) {
            let candidate = folder.appendingPathComponent(name)
            guard let values = try? candidate.resourceValues(forKeys: [.isDirectoryKey, .isSymbolicLinkKey, .contentModificationDateKey]),
                  values.isDirectory == true, values.isSymbolicLink != true,
                  let modified = values.contentModificationDate, modified < AtomicFileWriter.processStartTime,
                  let lock = AtomicFileWriter.DirectoryLock(candidate) else { continue }
            defer { lock.release() }
            guard lock.tryExclusive(), (try? FileManager.default.removeItem(at: candidate)) != nil else { continue }
            removed.append(candidate)
        }
        return removed
    }
}
