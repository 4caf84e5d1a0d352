import Foundation

/// The header of an `.npy` array: what the preamble and the dict literal say.
///
/// Layout: magic `\x93NUMPY`, major and minor version bytes, the header
/// length (2 bytes little endian in version 1, 4 bytes in versions 2 and 3),
/// then the header text (latin-1 in versions 1 and 2, UTF-8 in version 3):
/// a Python dict literal with exactly the keys `descr`, `fortran_order` and
/// `shape`, in any order, usually padded with spaces and ending in `\n`.
/// The data follows immediately.
struct NPYHeader: Equatable, Sendable {
    var majorVersion: UInt8
    var minorVersion: UInt8
    var descr: NPYDescr
    var fortranOrder: Bool
    /// `[]` for a 0-d scalar.
    var shape: [Int]
    /// Where the data starts, from the start of the array's bytes.
    var dataOffset: Int
    /// Bytes of data the shape and dtype call for.
    var dataByteCount: Int

    static let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY

    /// Parses the header at the start of `bytes` and checks that the data it
    /// announces is all there. `path` (and `member`, inside an `.npz`) name
    /// the array in error messages.
    static func parse(_ bytes: Data, path: String, member: String? = nil) throws -> NPYHeader {
        func malformed(_ reason: String) -> WeightFileError {
            .malformed(path: path, reason: member.map { "member '\($0)': \(reason)" } ?? reason)
        }
        let count = bytes.count
        let prefix = [UInt8](bytes.prefix(12))
        guard count >= magic.count, Array(prefix[0..<magic.count]) == magic else {
            throw malformed("not an .npy array: starts with bytes \(hexBytes(prefix.prefix(8))), expected 93 4e 55 4d 50 59 (\\x93NUMPY)")
        }
        guard count >= 10 else { throw malformed("truncated: \(count) bytes, too short for an .npy header") }
        let major = prefix[6], minor = prefix[7]
        let headerLength: Int
        let headerStart: Int
        switch major {
        case 1:
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8
            headerStart = 10
        case 2, 3:
            guard count >= 12 else { throw malformed("truncated: \(count) bytes, too short for an .npy version \(major) header") }
            headerLength = Int(prefix[8]) | Int(prefix[9]) << 8 | Int(prefix[10]) << 16 | Int(prefix[11]) << 24
            headerStart = 12
        default:
            throw malformed("unsupported .npy format version \(major).\(minor) (fulcrum reads versions 1, 2 and 3)")
        }
        let dataOffset = headerStart + headerLength
        guard dataOffset <= count else {
            throw malformed("truncated: header length \(headerLength) runs past the end of the data (\(count) bytes in all)")
        }
        let headerBytes = bytes.subdata(in: bytes.startIndex + headerStart ..< bytes.startIndex + dataOffset)
        let text: String
        if major == 3 {
            guard let decoded = String(data: headerBytes, encoding: .utf8) else { throw malformed("version 3 header is not valid UTF-8") }
            text = decoded
        } else {
            text = String(headerBytes.map { Character(Unicode.Scalar($0)) })  // latin-1
        }
        let literal: PythonLiteral
        do { literal = try PythonLiteral.parse(text) } catch {
            throw malformed("header is not a Python dict literal (\(error.description)): \(quoted(text))")
        }
        guard case let .dict(pairs) = literal else { throw malformed("header is not a dict: \(quoted(text))") }
        var values: [String: PythonLiteral] = [:]
        for pair in pairs {
            guard case let .string(key) = pair.key else { throw malformed("header has a key that is not a string: \(quoted(text))") }
            values[key] = pair.value
        }
        let expectedKeys: Set = ["descr", "fortran_order", "shape"]
        guard Set(values.keys) == expectedKeys, pairs.count == 3 else {
            throw malformed("header keys are \(values.keys.sorted()), expected exactly 'descr', 'fortran_order' and 'shape'")
        }
        let descr = try parseDescr(values["descr"], malformed)
        guard case let .boolean(fortranOrder)? = values["fortran_order"] else {
            throw malformed("'fortran_order' must be True or False")
        }
        let shape = try parseShape(values["shape"], malformed)
        guard let elements = Tensor.elementCount(of: shape) else {
            throw malformed("shape \(shapeText(shape)) has more elements than fit in memory")
        }
        let (dataByteCount, overflow) = elements.multipliedReportingOverflow(by: descr.dtype.byteCount)
        guard !overflow else { throw malformed("shape \(shapeText(shape)) of \(descr.text) needs more bytes than fit in memory") }
        guard count - dataOffset >= dataByteCount else {
            throw malformed("truncated: shape \(shapeText(shape)) of \(descr.text) needs \(dataByteCount) bytes of data after the header, but only \(count - dataOffset) remain")
        }
        return NPYHeader(majorVersion: major, minorVersion: minor, descr: descr, fortranOrder: fortranOrder,
                         shape: shape, dataOffset: dataOffset, dataByteCount: dataByteCount)
    }

    private static func parseDescr(_ value: PythonLiteral?, _ malformed: (String) -> WeightFileError) throws -> NPYDescr {
        switch value {
        case let .string(text)?:
            guard let descr = NPYDescr(text) else {
                throw malformed("unsupported dtype descr '\(text)' (fulcrum reads \(NPYDescr.supportedSummary))")
            }
            return descr
        case .list?:
            throw malformed("structured dtypes (a list as 'descr') are not supported")
        default:
            throw malformed("'descr' must be a dtype string such as '<f4'")
        }
    }

    private static func parseShape(_ value: PythonLiteral?, _ malformed: (String) -> WeightFileError) throws -> [Int] {
        let items: [PythonLiteral]
        switch value {
        case let .tuple(list)?: items = list
        case let .integer(single)?: items = [.integer(single)]  // `(3)` is how a careless writer spells (3,)
        default: throw malformed("'shape' must be a tuple of non-negative integers")
        }
        return try items.map { item in
            guard case let .integer(dimension) = item, dimension >= 0 else {
                throw malformed("'shape' must be a tuple of non-negative integers")
            }
            return dimension
        }
    }

    /// The full preamble and header NumPy writes for a new C-order,
    /// little-endian array: version 1.0 (2.0 when the header exceeds 65535
    /// bytes), keys sorted, the spare room NumPy leaves for growing the
    /// first axis, padded with spaces so the data starts at a multiple of 64.
    static func encoded(dtype: DType, shape: [Int]) -> [UInt8] {
        let shapeRepr = shapeText(shape)
        var header = "{'descr': '\(NPYDescr.canonical(for: dtype))', 'fortran_order': False, 'shape': \(shapeRepr), }"
        if let first = shape.first {
            header += String(repeating: " ", count: max(0, 21 - String(first).count))
        }
        let headerBytes = Array(header.utf8)
        func padding(lengthBytes: Int) -> Int {
            (64 - (magic.count + 2 + lengthBytes + headerBytes.count + 1) % 64) % 64
        }
        let fitsVersion1 = headerBytes.count + padding(lengthBytes: 2) + 1 <= Int(UInt16.max)
        let lengthBytes = fitsVersion1 ? 2 : 4
        let pad = padding(lengthBytes: lengthBytes)
        let total = headerBytes.count + pad + 1
        var result = magic + [fitsVersion1 ? 1 : 2, 0]
        for shift in stride(from: 0, to: lengthBytes * 8, by: 8) { result.append(UInt8(truncatingIfNeeded: total >> shift)) }
        result += headerBytes + [UInt8](repeating: 0x20, count: pad) + [0x0A]
        return result
    }

    /// A shape as Python prints a tuple: `()`, `(3,)`, `(3, 4)`.
    static func shapeText(_ shape: [Int]) -> String {
        shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
    }

    static func hexBytes<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        let parts = bytes.map { String(format: "%02x", $0) }
        return parts.isEmpty ? "(none)" : parts.joined(separator: " ")
    }

    private static func quoted(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return "\"" + (trimmed.count > 200 ? String(trimmed.prefix(200)) + "…" : trimmed) + "\""
    }
}
