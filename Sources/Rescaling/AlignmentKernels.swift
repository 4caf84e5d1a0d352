/// The inner loops of the kernel-alignment sweeps, written to run at memory
/// speed: contiguous loads, no index indirection, Double accumulation in
/// independent SIMD lanes. The only unsafe-pointer code of the alignment
/// solver.
enum AlignmentKernels {
    /// Σ_k a[k]·b[k] for k in 0..<n, accumulated in eight partial sums (so
    /// the result can differ from a left-to-right sum in the last bits).
    @inline(__always)
    static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
        var k = 0
        let rawA = UnsafeRawPointer(a), rawB = UnsafeRawPointer(b)
        while k + 8 <= n {
            let offset = 8 * k
            s0 += rawA.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self)
                * rawB.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self)
            s1 += rawA.loadUnaligned(fromByteOffset: offset + 32, as: SIMD4<Double>.self)
                * rawB.loadUnaligned(fromByteOffset: offset + 32, as: SIMD4<Double>.self)
            k += 8
        }
        var total = (s0 + s1).sum()
        while k < n { total += a[k] * b[k]; k += 1 }
        return total
    }

    /// o[k] += f·a[k] for k in 0..<n.
    @inline(__always)
    static func addScaled(_ f: Double, _ a: UnsafePointer<Double>, into o: UnsafeMutablePointer<Double>, _ n: Int) {
        var k = 0
        let rawA = UnsafeRawPointer(a), rawO = UnsafeMutableRawPointer(o)
        let fv = SIMD4<Double>(repeating: f)
        while k + 8 <= n {
            let offset = 8 * k
            let o0 = rawO.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self)
            let o1 = rawO.loadUnaligned(fromByteOffset: offset + 32, as: SIMD4<Double>.self)
            rawO.storeBytes(of: o0 + fv * rawA.loadUnaligned(fromByteOffset: offset, as: SIMD4<Double>.self),
                            toByteOffset: offset, as: SIMD4<Double>.self)
            rawO.storeBytes(of: o1 + fv * rawA.loadUnaligned(fromByteOffset: offset + 32, as: SIMD4<Double>.self),
                            toByteOffset: offset + 32, as: SIMD4<Double>.self)
            k += 8
        }
        while k < n { o[k] += f * a[k]; k += 1 }
    }

    /// Writes the transpose of the `rows`×`columns` row-major block at
    /// `source` to `target` (`columns`×`rows`, row-major), in cache-sized tiles.
    static func transpose(_ source: UnsafePointer<Double>, rows: Int, columns: Int, into target: UnsafeMutablePointer<Double>) {
        let tile = 32
        var r0 = 0
        while r0 < rows {
            let r1 = Swift.min(rows, r0 + tile)
            var c0 = 0
            while c0 < columns {
                let c1 = Swift.min(columns, c0 + tile)
                for r in r0..<r1 {
                    for c in c0..<c1 { target[c * rows + r] = source[r * columns + c] }
                }
                c0 = c1
            }
            r0 = r1
        }
    }
}

/// A buffer that the workers of one parallel pass write at disjoint
/// indices (each index by exactly one worker), read only after the pass.
struct DisjointSlots<Element>: @unchecked Sendable {
    let base: UnsafeMutablePointer<Element>

    @inline(__always) func store(_ value: Element, at index: Int) { base[index] = value }
    @inline(__always) func load(at index: Int) -> Element { base[index] }
}
