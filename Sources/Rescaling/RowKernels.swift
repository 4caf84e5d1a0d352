/// The two inner loops of an ℓ_{p,q} sweep over one row of Float values,
/// written so that they run at memory speed: contiguous loads, no index
/// indirection, Double accumulation in independent SIMD lanes.
enum RowKernels {
    /// Σ_c Double(v[c])·s[c] for c in 0..<n, accumulated in Double in eight
    /// partial sums (so the result can differ from a left-to-right sum in
    /// the last bits).
    @inline(__always)
    static func dot(_ v: UnsafePointer<Float>, _ s: UnsafePointer<Double>, _ n: Int) -> Double {
        var a0 = SIMD4<Double>(), a1 = SIMD4<Double>()
        var c = 0
        let raw = UnsafeRawPointer(v), rawS = UnsafeRawPointer(s)
        while c + 8 <= n {
            let x = raw.loadUnaligned(fromByteOffset: 4 * c, as: SIMD8<Float>.self)
            let s0 = rawS.loadUnaligned(fromByteOffset: 8 * c, as: SIMD4<Double>.self)
            let s1 = rawS.loadUnaligned(fromByteOffset: 8 * c + 32, as: SIMD4<Double>.self)
            a0 += SIMD4<Double>(Double(x[0]), Double(x[1]), Double(x[2]), Double(x[3])) * s0
            a1 += SIMD4<Double>(Double(x[4]), Double(x[5]), Double(x[6]), Double(x[7])) * s1
            c += 8
        }
        var total = (a0 + a1).sum()
        while c < n { total += Double(v[c]) * s[c]; c += 1 }
        return total
    }

    /// o[c] += f·Double(v[c])·s[c] for c in 0..<n.
    @inline(__always)
    static func scaledAdd(_ f: Double, _ v: UnsafePointer<Float>, _ s: UnsafePointer<Double>, into o: UnsafeMutablePointer<Double>, _ n: Int) {
        var c = 0
        let raw = UnsafeRawPointer(v), rawS = UnsafeRawPointer(s), rawO = UnsafeMutableRawPointer(o)
        let fv = SIMD4<Double>(repeating: f)
        while c + 4 <= n {
            let x = raw.loadUnaligned(fromByteOffset: 4 * c, as: SIMD4<Float>.self)
            let sv = rawS.loadUnaligned(fromByteOffset: 8 * c, as: SIMD4<Double>.self)
            let ov = rawO.loadUnaligned(fromByteOffset: 8 * c, as: SIMD4<Double>.self)
            let xv = SIMD4<Double>(Double(x[0]), Double(x[1]), Double(x[2]), Double(x[3]))
            rawO.storeBytes(of: ov + fv * xv * sv, toByteOffset: 8 * c, as: SIMD4<Double>.self)
            c += 4
        }
        while c < n { o[c] += f * Double(v[c]) * s[c]; c += 1 }
    }
}
