import Network
import WeightFiles

/// A float32 parameter stored as a C-order (out, in) matrix with one block
/// of inputs — a PyTorch `Linear` weight — whose rows are contiguous, so the
/// per-row and per-column reductions of building a `BalanceProblem` and its
/// kernel run as contiguous SIMD loops instead of an element-by-element walk
/// through `RoleValues.forEach`. The results are the same as the walk's:
/// maxima, minima and nonzero tests of float32 values are exact in any order.
struct Float32Rows {
    let rows: Int
    let columns: Int

    /// Nil unless `tensor` is float32 and `role` is a rank-2 (out, in) role
    /// with one in block (the shapes agree by validation).
    init?(_ role: ParameterRole, _ tensor: Tensor) {
        guard tensor.dtype == .float32, role.shape.count == 2, role.outAxis == 0, role.inAxis == 1,
              role.inBlocks == 1, tensor.shape == role.shape else { return nil }
        rows = role.shape[0]
        columns = role.shape[1]
    }

    /// Calls `body` with the matrix's elements (row o at offset o·columns).
    func withElements<R>(of tensor: Tensor, _ body: (UnsafePointer<Float>) throws -> R) rethrows -> R {
        try tensor.bytes.withUnsafeBytes { raw in
            try body(raw.baseAddress!.assumingMemoryBound(to: Float.self))
        }
    }

    /// Per row: the largest magnitude and the smallest nonzero magnitude
    /// (0 and +∞ for a row of zeros); per column: the same over the rows
    /// with `rowClass[o] == k`, for k in 0..<classes, in `columnLargest`/
    /// `columnSmallest` at k·columns + column (which the caller initialises
    /// to 0 and +∞ and may fold across calls).
    func magnitudes(of tensor: Tensor, rowClass: [Int], classes: Int,
                    rowLargest: inout [Float], rowSmallest: inout [Float],
                    columnLargest: inout [Float], columnSmallest: inout [Float]) {
        let n = columns
        withElements(of: tensor) { elements in
        rowLargest.withUnsafeMutableBufferPointer { rowLargest in
        rowSmallest.withUnsafeMutableBufferPointer { rowSmallest in
        columnLargest.withUnsafeMutableBufferPointer { columnLargest in
        columnSmallest.withUnsafeMutableBufferPointer { columnSmallest in
            let magnitudeMask = SIMD8<UInt32>(repeating: 0x7FFF_FFFF)
            let infinity = SIMD8<Float>(repeating: .infinity)
            for o in 0..<rows {
                let row = UnsafeRawPointer(elements + o * n)
                let largest = columnLargest.baseAddress! + rowClass[o] * n
                let smallest = columnSmallest.baseAddress! + rowClass[o] * n
                var rowMax = SIMD8<Float>(repeating: 0), rowMin = infinity
                var c = 0
                while c + 8 <= n {
                    let bits = row.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<UInt32>.self) & magnitudeMask
                    let magnitude = unsafeBitCast(bits, to: SIMD8<Float>.self)
                    let nonzero = magnitude.replacing(with: infinity, where: magnitude .== 0)
                    rowMax = larger(rowMax, magnitude)
                    rowMin = smaller(rowMin, nonzero)
                    let rawLargest = UnsafeMutableRawPointer(largest + c), rawSmallest = UnsafeMutableRawPointer(smallest + c)
                    rawLargest.storeBytes(of: larger(rawLargest.loadUnaligned(as: SIMD8<Float>.self), magnitude),
                                          as: SIMD8<Float>.self)
                    rawSmallest.storeBytes(of: smaller(rawSmallest.loadUnaligned(as: SIMD8<Float>.self), nonzero),
                                           as: SIMD8<Float>.self)
                    c += 8
                }
                var high = rowMax.max(), low = rowMin.min()
                while c < n {
                    let magnitude = abs(elements[o * n + c])
                    if magnitude > high { high = magnitude }
                    if magnitude > largest[c] { largest[c] = magnitude }
                    if magnitude != 0 {
                        if magnitude < low { low = magnitude }
                        if magnitude < smallest[c] { smallest[c] = magnitude }
                    }
                    c += 1
                }
                rowLargest[o] = high
                rowSmallest[o] = low
            }
        }}}}}
    }

    /// Writes (|w|·2^(−exponent[o]))^p, rounded to Float, for every element
    /// of row o to `values[rowStart[o] + column]` — the same arithmetic as
    /// the element-by-element kernel (scaling by a power of two is exact,
    /// the power is taken in Double). Zeros stay zero. p is 1 or 2.
    func kernelValues(of tensor: Tensor, p: Double, exponent: [Int], rowStart: [Int],
                      into values: UnsafeMutableBufferPointer<Float>) {
        let n = columns, square = p == 2
        withElements(of: tensor) { elements in
            for o in 0..<rows {
                let scale = SIMD4<Double>(repeating: Double(sign: .plus, exponent: -exponent[o], significand: 1))
                let row = UnsafeRawPointer(elements + o * n)
                let out = UnsafeMutableRawPointer(values.baseAddress! + rowStart[o])
                var c = 0
                while c + 4 <= n {
                    let w = row.loadUnaligned(fromByteOffset: 4 * c, as: SIMD4<Float>.self)
                    let scaled = SIMD4<Double>(Double(abs(w[0])), Double(abs(w[1])), Double(abs(w[2])), Double(abs(w[3]))) * scale
                    let powered = square ? scaled * scaled : scaled
                    out.storeBytes(of: SIMD4<Float>(Float(powered[0]), Float(powered[1]), Float(powered[2]), Float(powered[3])),
                                   toByteOffset: 4 * c, as: SIMD4<Float>.self)
                    c += 4
                }
                while c < n {
                    let scaled = Double(abs(elements[o * n + c])) * scale[0]
                    values[rowStart[o] + c] = Float(square ? scaled * scaled : scaled)
                    c += 1
                }
            }
        }
    }
}

/// Lane-wise maximum and minimum, written out so that they inline into the
/// loops (the standard library's `pointwiseMax`/`pointwiseMin` stay calls).
@inline(__always)
private func larger(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .> a) }
@inline(__always)
private func smaller(_ a: SIMD8<Float>, _ b: SIMD8<Float>) -> SIMD8<Float> { a.replacing(with: b, where: b .< a) }

extension Float32Rows {
    /// Raises `rowLargest[o]` to the largest magnitude of row o.
    func foldRowLargest(of tensor: Tensor, into rowLargest: UnsafeMutableBufferPointer<Double>) {
        let n = columns
        withElements(of: tensor) { elements in
            let magnitudeMask = SIMD8<UInt32>(repeating: 0x7FFF_FFFF)
            for o in 0..<rows {
                let row = UnsafeRawPointer(elements + o * n)
                var high = SIMD8<Float>(repeating: 0)
                var c = 0
                while c + 8 <= n {
                    let bits = row.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<UInt32>.self) & magnitudeMask
                    high = larger(high, unsafeBitCast(bits, to: SIMD8<Float>.self))
                    c += 8
                }
                var largest = high.max()
                while c < n { largest = Swift.max(largest, abs(elements[o * n + c])); c += 1 }
                if Double(largest) > rowLargest[o] { rowLargest[o] = Double(largest) }
            }
        }
    }
}
