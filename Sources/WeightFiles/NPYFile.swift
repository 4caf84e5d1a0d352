import Foundation

/// A NumPy `.npy` file: one array, versions 1, 2 and 3, either byte order,
/// C or Fortran order (see `NPYDescr` for the dtypes, including `<V2` read
/// as bfloat16).
///
/// The file holds one tensor, named after the file's stem (`fc1.weight.npy`
/// → `fc1.weight`). Write-back rewrites only the data bytes, converted back
/// to the file's byte order and memory order; the header stays byte for byte.
public struct NPYFile: WeightFile {
    public let url: URL
    public var format: FileFormat { .npy }
    /// A bare array says nothing of where it came from.
    public var framework: Framework { .unknown }
    public var tensorNames: [String] { [name] }
    public var architectureJSON: String? { nil }
    public var layerWeights: [LayerWeights] { [] }
    public var optimizerTensorNames: [String] { [] }

    /// The tensor's name: the file name without `.npy`.
    public let name: String
    let array: NPYArray

    /// Opens and validates `url` (header parsed, data length checked); the
    /// file is memory-mapped, not copied.
    public init(url: URL) throws {
        try self.init(data: FileBytes.read(url), url: url)
    }

    /// Parses and validates an `.npy` held in memory, exactly as
    /// `init(url:)` does with a file's bytes. `url` is not read: it names
    /// the array in errors and gives the tensor its name.
    public init(data: Data, url: URL) throws {
        self.url = url
        self.name = NPYFile.tensorName(for: url)
        self.array = try NPYArray(bytes: data, path: url.path)
    }

    /// The tensor name of a lone `.npy`: its file name without the `.npy`
    /// extension (any other extension is kept: `w.npy.bak` stays whole).
    static func tensorName(for url: URL) -> String {
        let file = url.lastPathComponent
        return file.lowercased().hasSuffix(".npy") ? String(file.dropLast(4)) : file
    }

    /// The header's version, `(1, 0)`, `(2, 0)` or `(3, 0)`.
    public var version: (major: Int, minor: Int) { (Int(array.header.majorVersion), Int(array.header.minorVersion)) }
    /// True when the data is stored in Fortran (column-major) order.
    public var isFortranOrder: Bool { array.header.fortranOrder }
    /// The byte order of the stored elements.
    public var byteOrder: ByteOrder { array.header.descr.byteOrder }

    public func info(_ name: String) throws -> TensorInfo {
        guard name == self.name else { throw WeightFileError.noSuchTensor(path: url.path, name: name) }
        return TensorInfo(name: name, dtype: array.header.descr.dtype, shape: array.header.shape)
    }

    public func read(_ name: String) throws -> Tensor {
        guard name == self.name else { throw WeightFileError.noSuchTensor(path: url.path, name: name) }
        return try array.tensor(named: name)
    }

    public func write(replacing replacements: [Tensor], to destination: URL) throws {
        var data: [UInt8]?
        for tensor in replacements {
            guard tensor.name == name else { throw WeightFileError.noSuchTensor(path: url.path, name: tensor.name) }
            data = try array.storedData(of: tensor, path: url.path)
        }
        // Header (and any trailing bytes) straight from the mapped source,
        // the data from the tensor's own bytes: no copy of the whole file.
        let bytes = array.bytes
        let dataRange = array.dataRange
        try AtomicFileWriter.write(to: destination) { temporary in
            let writer = try StreamingFileWriter(creating: temporary, reportingAs: destination)
            if let data {
                try writer.write(bytes, range: 0 ..< dataRange.lowerBound - bytes.startIndex)
                try writer.write(data)
                try writer.write(bytes, range: dataRange.upperBound - bytes.startIndex ..< bytes.count)
            } else {
                try writer.write(bytes, range: 0 ..< bytes.count)
            }
            try writer.close()
        }
    }

    /// Writes a new `.npy` holding `tensor` (NumPy's header layout, C order,
    /// little endian) to `url`, atomically.
    public static func create(at url: URL, tensor: Tensor) throws {
        try AtomicFileWriter.write(NPYArray.encode(tensor), to: url)
    }
}
