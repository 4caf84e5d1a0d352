import Foundation

/// One `.npy` array held as the bytes it was stored with (a whole `.npy`
/// file, or one member of an `.npz`), with its parsed header.
///
/// Reading converts the stored data to the tensor contract (C order, little
/// endian); encoding a tensor converts back to the stored byte order and
/// memory order, so write-back replaces the data bytes and nothing else.
struct NPYArray: Sendable {
    /// The array's complete stored bytes: preamble, header, data, and any
    /// trailing bytes (kept untouched).
    var bytes: Data
    var header: NPYHeader

    /// Parses `bytes`; `path` and `member` name the array in errors.
    init(bytes: Data, path: String, member: String? = nil) throws {
        self.bytes = bytes
        self.header = try NPYHeader.parse(bytes, path: path, member: member)
    }

    var info: (dtype: DType, shape: [Int]) { (header.descr.dtype, header.shape) }

    /// The byte range of the data inside `bytes`.
    var dataRange: Range<Data.Index> {
        let start = bytes.startIndex + header.dataOffset
        return start ..< start + header.dataByteCount
    }

    /// The array as a tensor named `name`.
    func tensor(named name: String) throws -> Tensor {
        let descr = header.descr
        var data = [UInt8](bytes[dataRange])
        if descr.byteOrder == .big { ElementLayout.swapBytes(&data, elementSize: descr.dtype.byteCount) }
        if header.fortranOrder {
            data = ElementLayout.fortranToC(data, shape: header.shape, elementSize: descr.dtype.byteCount)
        }
        return try Tensor(name: name, dtype: descr.dtype, shape: header.shape, bytes: data)
    }

    /// `tensor`'s elements laid out as this array stores them (its byte
    /// order and memory order). Throws `mismatchedReplacement` when the
    /// tensor's dtype or shape differs from the stored one.
    func storedData(of tensor: Tensor, path: String) throws -> [UInt8] {
        guard tensor.dtype == header.descr.dtype else {
            throw WeightFileError.mismatchedReplacement(path: path, name: tensor.name,
                reason: "dtype \(tensor.dtype.numpyName) differs from the stored \(header.descr.dtype.numpyName)")
        }
        guard tensor.shape == header.shape else {
            throw WeightFileError.mismatchedReplacement(path: path, name: tensor.name,
                reason: "shape \(tensor.shape) differs from the stored \(header.shape)")
        }
        var data = tensor.bytes
        if header.fortranOrder {
            data = ElementLayout.cToFortran(data, shape: header.shape, elementSize: tensor.dtype.byteCount)
        }
        if header.descr.byteOrder == .big { ElementLayout.swapBytes(&data, elementSize: tensor.dtype.byteCount) }
        return data
    }

    /// The stored bytes with the data replaced by `tensor`'s elements; the
    /// preamble, header and any trailing bytes are kept byte for byte.
    func replacingData(with tensor: Tensor, path: String) throws -> Data {
        let data = try storedData(of: tensor, path: path)
        var result = Data(capacity: bytes.count)
        result.append(bytes[bytes.startIndex ..< dataRange.lowerBound])
        result.append(contentsOf: data)
        result.append(bytes[dataRange.upperBound ..< bytes.endIndex])
        return result
    }

    /// A complete new `.npy` (NumPy's own header layout, C order, little
    /// endian) holding `tensor`.
    static func encode(_ tensor: Tensor) -> Data {
        var result = Data(NPYHeader.encoded(dtype: tensor.dtype, shape: tensor.shape))
        result.append(contentsOf: tensor.bytes)
        return result
    }
}
