import Foundation

/// The validated header of a safetensors file.
///
/// Layout: an 8-byte little-endian header size N, N bytes of UTF-8 JSON (an
/// object mapping each tensor name to `{"dtype", "shape", "data_offsets"}`
/// plus an optional `"__metadata__"` object of strings), then the data
/// buffer. Offsets are relative to the start of the data buffer.
///
/// Validation follows the reference implementation and is complete before
/// any data is touched: N at most 100 MB and within the file; a JSON
/// object; every dtype known; shape products and byte lengths free of
/// overflow; each tensor's byte length equal to its element count times the
/// element size; offsets in range, non-overlapping, without gaps, and
/// covering the data buffer exactly.
struct SafetensorsHeader: Sendable {
    /// One tensor's entry.
    struct Entry: Sendable, Equatable {
        var name: String
        var dtype: DType
        var shape: [Int]
        /// Offsets in the data buffer, `begin ..< end`.
        var begin: Int
        var end: Int
    }

    /// N, the length of the JSON text in bytes.
    var headerSize: Int
    /// Entries in the order of their data (the file's physical order).
    var entries: [Entry]
    /// The `__metadata__` object, when present.
    var metadata: [String: String]?

    /// Where the data buffer starts in the file.
    var dataStart: Int { 8 + headerSize }

    /// The reference implementation's cap on N.
    static let maximumHeaderSize = 100_000_000

    /// safetensors dtype names and the types they denote.
    static let dtypes: [String: DType] = [
        "F16": .float16, "BF16": .bfloat16, "F32": .float32, "F64": .float64,
        "I8": .int8, "I16": .int16, "I32": .int32, "I64": .int64,
        "U8": .uint8, "U16": .uint16, "U32": .uint32, "U64": .uint64,
        "BOOL": .bool,
    ]
    static let dtypeOrder = ["F16", "BF16", "F32", "F64", "I8", "I16", "I32", "I64", "U8", "U16", "U32", "U64", "BOOL"]

    /// The safetensors name of `dtype`.
    static func name(of dtype: DType) -> String {
        dtypeOrder.first { dtypes[$0] == dtype } ?? dtype.numpyName
    }

    /// Parses and validates the header of the file whose bytes are `bytes`;
    /// `path` names it in errors.
    static func parse(_ bytes: Data, path: String) throws -> SafetensorsHeader {
        func malformed(_ reason: String) -> WeightFileError { .malformed(path: path, reason: reason) }
        let fileSize = bytes.count
        guard fileSize >= 8 else {
            throw malformed("truncated: \(fileSize) bytes, too short for the 8-byte safetensors header size")
        }
        var declared: UInt64 = 0
        for (shift, byte) in bytes.prefix(8).enumerated() { declared |= UInt64(byte) << (8 * UInt64(shift)) }
        guard declared <= UInt64(maximumHeaderSize) else {
            throw malformed("safetensors header size \(declared) exceeds the limit of \(maximumHeaderSize) bytes")
        }
        let headerSize = Int(declared)
        guard headerSize <= fileSize - 8 else {
            throw malformed("truncated: safetensors header size \(headerSize) runs past the end of the file (\(fileSize) bytes, so at most \(fileSize - 8))")
        }
        let jsonBytes = bytes.subdata(in: bytes.startIndex + 8 ..< bytes.startIndex + 8 + headerSize)
        guard jsonBytes.first == UInt8(ascii: "{") else {
            throw malformed("safetensors header does not start with '{' (first bytes \(NPYHeader.hexBytes(jsonBytes.prefix(8))))")
        }
        guard String(data: jsonBytes, encoding: .utf8) != nil,
              let object = try? JSONSerialization.jsonObject(with: jsonBytes),
              let dictionary = object as? [String: Any] else {
            throw malformed("safetensors header is not a valid UTF-8 JSON object")
        }

        var metadata: [String: String]?
        var entries: [Entry] = []
        for (name, value) in dictionary {
            if name == "__metadata__" {
                guard let raw = value as? [String: Any] else { throw malformed("'__metadata__' is not a JSON object") }
                var strings: [String: String] = [:]
                for (key, item) in raw {
                    guard let text = item as? String else { throw malformed("'__metadata__' value of '\(key)' is not a string") }
                    strings[key] = text
                }
                metadata = strings
                continue
            }
            entries.append(try entry(name: name, value: value, path: path, malformed))
        }

        let bufferSize = fileSize - 8 - headerSize
        try validateOffsets(entries, bufferSize: bufferSize, malformed)
        entries.sort { ($0.begin, $0.end, $0.name) < ($1.begin, $1.end, $1.name) }
        try validateCoverage(entries, bufferSize: bufferSize, malformed)
        return SafetensorsHeader(headerSize: headerSize, entries: entries, metadata: metadata)
    }

    private static func entry(name: String, value: Any, path: String, _ malformed: (String) -> WeightFileError) throws -> Entry {
        guard let fields = value as? [String: Any] else { throw malformed("tensor '\(name)': entry is not a JSON object") }
        guard let dtypeName = fields["dtype"] as? String else { throw malformed("tensor '\(name)': missing 'dtype'") }
        guard let dtype = dtypes[dtypeName] else {
            throw WeightFileError.unsupportedFormat(path: path,
                reason: "tensor '\(name)' has dtype '\(dtypeName)', which fulcrum does not read (known: \(dtypeOrder.joined(separator: " ")))")
        }
        guard let shape = nonNegativeIntegers(fields["shape"]) else {
            throw malformed("tensor '\(name)': 'shape' is not a list of non-negative integers")
        }
        guard let offsets = nonNegativeIntegers(fields["data_offsets"]), offsets.count == 2 else {
            throw malformed("tensor '\(name)': 'data_offsets' is not a pair of non-negative integers")
        }
        guard let elements = Tensor.elementCount(of: shape) else {
            throw malformed("tensor '\(name)': shape \(shape) has more elements than fit in 64 bits (overflow)")
        }
        let (byteCount, overflow) = elements.multipliedReportingOverflow(by: dtype.byteCount)
        guard !overflow else { throw malformed("tensor '\(name)': shape \(shape) of \(dtypeName) needs more bytes than fit in 64 bits (overflow)") }
        guard offsets[0] <= offsets[1] else {
            throw malformed("tensor '\(name)': data_offsets \(offsets) end before they begin")
        }
        guard offsets[1] - offsets[0] == byteCount else {
            throw malformed("tensor '\(name)': data_offsets \(offsets) hold \(offsets[1] - offsets[0]) bytes, but shape \(shape) of \(dtypeName) needs \(byteCount)")
        }
        return Entry(name: name, dtype: dtype, shape: shape, begin: offsets[0], end: offsets[1])
    }

    private static func validateOffsets(_ entries: [Entry], bufferSize: Int, _ malformed: (String) -> WeightFileError) throws {
        for entry in entries.sorted(by: { $0.name < $1.name }) where entry.end > bufferSize {
            throw malformed("tensor '\(entry.name)': data_offsets [\(entry.begin), \(entry.end)] run past the end of the data buffer (\(bufferSize) bytes)")
        }
    }

    /// `entries` sorted by offset must tile `0 ..< bufferSize` exactly.
    private static func validateCoverage(_ entries: [Entry], bufferSize: Int, _ malformed: (String) -> WeightFileError) throws {
        var covered = 0
        var previous: Entry?
        for entry in entries {
            if entry.begin < covered, let previous {
                throw malformed("tensor '\(entry.name)': data_offsets [\(entry.begin), \(entry.end)] overlap tensor '\(previous.name)' at [\(previous.begin), \(previous.end)]")
            }
            if entry.begin > covered {
                throw malformed("bytes [\(covered), \(entry.begin)) of the data buffer belong to no tensor (a gap before tensor '\(entry.name)')")
            }
            covered = entry.end
            previous = entry
        }
        guard covered == bufferSize else {
            throw malformed("the tensors cover \(covered) bytes, but the data buffer holds \(bufferSize) (bytes past the last tensor)")
        }
    }

    private static func nonNegativeIntegers(_ value: Any?) -> [Int]? {
        guard let items = value as? [Any] else { return nil }
        var result: [Int] = []
        for item in items {
            guard let integer = item as? Int, integer >= 0 else { return nil }
            result.append(integer)
        }
        return result
    }
}
