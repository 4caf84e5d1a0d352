/// Conversions between the memory layouts a file may use (big endian,
/// Fortran order) and the tensor contract (little endian, C order).
/// Each function is its own inverse's partner: applying the file→tensor
/// conversion and then the tensor→file one restores the bytes exactly.
enum ElementLayout {
    /// Reverses the bytes of every `elementSize`-byte element in place.
    static func swapBytes(_ bytes: inout [UInt8], elementSize: Int) {
        guard elementSize > 1 else { return }
        bytes.withUnsafeMutableBytes { raw in
            let count = raw.count / elementSize
            switch elementSize {
            case 2:
                for i in 0..<count {
                    let v = raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self)
                    raw.storeBytes(of: v.byteSwapped, toByteOffset: i * 2, as: UInt16.self)
                }
            case 4:
                for i in 0..<count {
                    let v = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                    raw.storeBytes(of: v.byteSwapped, toByteOffset: i * 4, as: UInt32.self)
                }
            case 8:
                for i in 0..<count {
                    let v = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                    raw.storeBytes(of: v.byteSwapped, toByteOffset: i * 8, as: UInt64.self)
                }
            default:
                for i in 0..<count {
                    var low = i * elementSize, high = low + elementSize - 1
                    while low < high { raw.swapAt(low, high); low += 1; high -= 1 }
                }
            }
        }
    }

    /// Fortran-order elements of an array of `shape` rearranged into C order.
    static func fortranToC(_ bytes: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        // Fortran data of shape S is the C-order data of shape reversed(S)
        // seen with its axes reversed.
        reverseAxes(bytes, cShape: shape.reversed(), elementSize: elementSize)
    }

    /// C-order elements of an array of `shape` rearranged into Fortran order.
    static func cToFortran(_ bytes: [UInt8], shape: [Int], elementSize: Int) -> [UInt8] {
        reverseAxes(bytes, cShape: shape, elementSize: elementSize)
    }

    /// The C-order bytes of the transpose (all axes reversed) of the C-order
    /// array `bytes` of shape `cShape`. Precondition: `bytes.count` equals
    /// the product of `cShape` times `elementSize`.
    static func reverseAxes(_ bytes: [UInt8], cShape: [Int], elementSize: Int) -> [UInt8] {
        let rank = cShape.count
        // With at most one axis longer than 1, the order of elements does not change.
        guard cShape.filter({ $0 > 1 }).count > 1 else { return bytes }
        var inputStrides = [Int](repeating: 1, count: rank)
        for axis in stride(from: rank - 2, through: 0, by: -1) { inputStrides[axis] = inputStrides[axis + 1] * cShape[axis + 1] }
        // Output axis m is input axis rank-1-m.
        let outputShape = Array(cShape.reversed())
        let outputStrides = Array(inputStrides.reversed())  // input stride of each output axis
        var result = [UInt8](repeating: 0, count: bytes.count)
        var index = [Int](repeating: 0, count: rank)
        let total = bytes.count / elementSize
        bytes.withUnsafeBytes { source in
            result.withUnsafeMutableBytes { target in
                var sourceOffset = 0
                for targetElement in 0..<total {
                    let targetByte = targetElement * elementSize
                    let sourceByte = sourceOffset * elementSize
                    switch elementSize {
                    case 1: target[targetByte] = source[sourceByte]
                    case 2: target.storeBytes(of: source.loadUnaligned(fromByteOffset: sourceByte, as: UInt16.self), toByteOffset: targetByte, as: UInt16.self)
                    case 4: target.storeBytes(of: source.loadUnaligned(fromByteOffset: sourceByte, as: UInt32.self), toByteOffset: targetByte, as: UInt32.self)
                    case 8: target.storeBytes(of: source.loadUnaligned(fromByteOffset: sourceByte, as: UInt64.self), toByteOffset: targetByte, as: UInt64.self)
                    default:
                        for k in 0..<elementSize { target[targetByte + k] = source[sourceByte + k] }
                    }
                    // Advance the output index like an odometer, last axis fastest.
                    var axis = rank - 1
                    while axis >= 0 {
                        index[axis] += 1
                        sourceOffset += outputStrides[axis]
                        if index[axis] < outputShape[axis] { break }
                        sourceOffset -= outputStrides[axis] * outputShape[axis]
                        index[axis] = 0
                        axis -= 1
                    }
                }
            }
        }
        return result
    }
}
