import Foundation

/// A safetensors file (8-byte header size, JSON header, data buffer; see
/// `SafetensorsHeader` for the validation done on opening).
///
/// The header is parsed from a memory map of the file; tensors are little
/// endian and C order, exactly the tensor contract, so reading one is a
/// `pread` of its bytes (the map's data pages are never touched, so reading
/// tensor after tensor keeps only what the caller holds in memory). Tensor
/// names are in the order of their data in the file. `__metadata__` is kept.
///
/// Write-back copies the file and replaces the data bytes of the rewritten
/// tensors only: the header bytes, and every other tensor's bytes, stay
/// identical (copied file to file by the kernel).
public struct SafetensorsFile: WeightFile {
    public let url: URL
    public var format: FileFormat { .safetensors }
    /// From `__metadata__["format"]` (`pt` → pytorch, `tf`/`keras` → keras),
    /// else guessed from the tensor names (see `Framework.guess`).
    public let framework: Framework
    public var tensorNames: [String] { header.entries.map(\.name) }
    public var architectureJSON: String? { nil }
    public var layerWeights: [LayerWeights] { [] }
    public var optimizerTensorNames: [String] { [] }
    /// The `__metadata__` object, if the file has one.
    public var metadata: [String: String]? { header.metadata }

    let bytes: Data
    let header: SafetensorsHeader
    /// True when `bytes` are the contents of the file at `url`: tensor data
    /// is then read from the file, not from `bytes`.
    private var backedByFile = false

    /// Opens and validates `url`.
    public init(url: URL) throws {
        try self.init(data: FileBytes.read(url), url: url)
        backedByFile = true
    }

    /// Parses and validates a safetensors file held in memory, exactly as
    /// `init(url:)` does with a file's bytes. `url` is not read: it names
    /// the file in errors.
    public init(data: Data, url: URL) throws {
        self.url = url
        self.bytes = data
        self.header = try SafetensorsHeader.parse(bytes, path: url.path)
        switch header.metadata?["format"] {
        case "pt"?: framework = .pytorch
        case "tf"?, "keras"?: framework = .keras
        default: framework = Framework.guess(fromTensorNames: header.entries.map(\.name))
        }
    }

    func entry(_ name: String) throws -> SafetensorsHeader.Entry {
        guard let entry = header.entries.first(where: { $0.name == name }) else {
            throw WeightFileError.noSuchTensor(path: url.path, name: name)
        }
        return entry
    }

    /// The byte range of a tensor's data within the file.
    func fileRange(of entry: SafetensorsHeader.Entry) -> Range<Data.Index> {
        let start = bytes.startIndex + header.dataStart
        return start + entry.begin ..< start + entry.end
    }

    public func info(_ name: String) throws -> TensorInfo {
        let entry = try entry(name)
        return TensorInfo(name: name, dtype: entry.dtype, shape: entry.shape)
    }

    public func read(_ name: String) throws -> Tensor {
        let entry = try entry(name)
        let data = backedByFile
            ? try FileRegion.read(url, offset: header.dataStart + entry.begin, count: entry.end - entry.begin)
            : [UInt8](bytes[fileRange(of: entry)])
        return try Tensor(name: name, dtype: entry.dtype, shape: entry.shape, bytes: data)
    }

    public func write(replacing replacements: [Tensor], to destination: URL) throws {
        var replaced: [String: Tensor] = [:]
        for tensor in replacements {
            let entry = try entry(tensor.name)
            guard tensor.dtype == entry.dtype else {
                throw WeightFileError.mismatchedReplacement(path: url.path, name: tensor.name,
                    reason: "dtype \(tensor.dtype.numpyName) differs from the stored \(entry.dtype.numpyName)")
            }
            guard tensor.shape == entry.shape else {
                throw WeightFileError.mismatchedReplacement(path: url.path, name: tensor.name,
                    reason: "shape \(tensor.shape) differs from the stored \(entry.shape)")
            }
            replaced[tensor.name] = tensor
        }
        // Stream the file: the header and untouched tensors copied from the
        // source (consecutive ones in one copy, file to file when the source
        // is on disk), rewritten tensors from their own bytes. Entries tile
        // the data buffer in order.
        let source = backedByFile ? url : nil
        try AtomicFileWriter.write(to: destination) { temporary in
            let writer = try StreamingFileWriter(creating: temporary, reportingAs: destination)
            func keep(_ range: Range<Int>) throws {
                if let source { try writer.copy(from: source, range: range) } else { try writer.write(bytes, range: range) }
            }
            var pending = 0 ..< header.dataStart
            for entry in header.entries {
                let range = header.dataStart + entry.begin ..< header.dataStart + entry.end
                if let tensor = replaced[entry.name] {
                    try keep(pending)
                    try writer.write(tensor.bytes)
                    pending = range.upperBound ..< range.upperBound
                } else {
                    pending = pending.lowerBound ..< range.upperBound
                }
            }
            try keep(pending.lowerBound ..< bytes.count)
            try writer.close()
        }
    }

    /// Writes a new safetensors file holding `tensors` in the given order
    /// (data contiguous, in that order), with `metadata` as `__metadata__`
    /// when given; the JSON header is padded with spaces to a multiple of 8
    /// bytes, as the reference writer does. Atomic.
    public static func create(at url: URL, tensors: [Tensor], metadata: [String: String]? = nil) throws {
        var seen = Set<String>()
        for tensor in tensors where !seen.insert(tensor.name).inserted {
            throw WeightFileError.invalidTensor(name: tensor.name, reason: "appears twice; \(url.path) cannot hold two tensors of one name")
        }
        if tensors.contains(where: { $0.name == "__metadata__" }) {
            throw WeightFileError.invalidTensor(name: "__metadata__", reason: "is reserved in safetensors files")
        }
        var fields: [String] = []
        if let metadata {
            let pairs = metadata.keys.sorted().map { "\(JSONText.string($0)):\(JSONText.string(metadata[$0] ?? ""))" }
            fields.append("\"__metadata__\":{\(pairs.joined(separator: ","))}")
        }
        var offset = 0
        for tensor in tensors {
            let end = offset + tensor.bytes.count
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            fields.append("\(JSONText.string(tensor.name)):{\"dtype\":\"\(SafetensorsHeader.name(of: tensor.dtype))\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var json = Array(("{" + fields.joined(separator: ",") + "}").utf8)
        json += [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8)
        var output = Data(capacity: 8 + json.count + offset)
        for shift in stride(from: 0, to: 64, by: 8) { output.append(UInt8(truncatingIfNeeded: UInt64(json.count) >> UInt64(shift))) }
        output.append(contentsOf: json)
        for tensor in tensors { output.append(contentsOf: tensor.bytes) }
        try AtomicFileWriter.write(output, to: url)
    }
}
