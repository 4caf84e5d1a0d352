/// The inner loops of an ℓ_{p,q} sweep over Float rows, four rows of one
/// segment at a time: each Double of the consumer factors and of the
/// consumer sums is then loaded (and stored) once per four rows instead of
/// once per row, which is what bounds a row-at-a-time loop. Every product
/// and sum is in Double (each Float value widened first), so results differ
/// from a left-to-right sum only in the order of the additions.
///
/// Written with two-lane Double vectors and wrapping index arithmetic: that
/// is what compiles to packed SSE2 (cvtps2pd from memory, mulpd, addpd; no
/// shuffles, no overflow checks) on baseline x86-64, and to the equivalent
/// on other targets. The four row pointers may repeat a row (padding a short
/// block); the callers ignore the padded results and pass f = 0 for them.
enum RowKernels {
    /// Four rows of one segment: pointers to their first values.
    typealias Rows = (UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>, UnsafePointer<Float>)

    @inline(__always)
    private static func wide(_ p: UnsafePointer<Float>, _ c: Int) -> SIMD2<Double> {
        let x = UnsafeRawPointer(p).loadUnaligned(fromByteOffset: c &* 4, as: SIMD2<Float>.self)
        return SIMD2<Double>(Double(x[0]), Double(x[1]))
    }

    @inline(__always)
    private static func pair(_ p: UnsafePointer<Double>, _ c: Int) -> SIMD2<Double> {
        UnsafeRawPointer(p).loadUnaligned(fromByteOffset: c &* 8, as: SIMD2<Double>.self)
    }

    /// t_k = Σ_c Double(row_k[c])·s[c] for the four rows (c in 0..<n), each
    /// in two partial sums, in exactly the order `dotAdd4` sums them (so a
    /// row's sum does not depend on which of the two computed it).
    @inline(__always)
    static func dot4(_ rows: Rows, _ s: UnsafePointer<Double>, _ n: Int) -> SIMD4<Double> {
        let (r0, r1, r2, r3) = rows
        var a0 = SIMD2<Double>(), a1 = SIMD2<Double>(), a2 = SIMD2<Double>(), a3 = SIMD2<Double>()
        var c = 0
        while c &+ 2 <= n {
            let sv = pair(s, c)
            a0 += wide(r0, c) * sv; a1 += wide(r1, c) * sv; a2 += wide(r2, c) * sv; a3 += wide(r3, c) * sv
            c &+= 2
        }
        var t = SIMD4<Double>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        while c < n {
            t += SIMD4<Double>(Double(r0[c]), Double(r1[c]), Double(r2[c]), Double(r3[c])) * s[c]
            c += 1
        }
        return t
    }

    /// o[c] += Σ_k f_k·Double(row_k[c]) for c in 0..<n.
    @inline(__always)
    static func add4(_ f: SIMD4<Double>, _ rows: Rows, into o: UnsafeMutablePointer<Double>, _ n: Int) {
        let (r0, r1, r2, r3) = rows
        let f0 = SIMD2<Double>(repeating: f[0]), f1 = SIMD2<Double>(repeating: f[1])
        let f2 = SIMD2<Double>(repeating: f[2]), f3 = SIMD2<Double>(repeating: f[3])
        let rawO = UnsafeMutableRawPointer(o)
        var c = 0
        while c &+ 2 <= n {
            var ov = pair(o, c)
            ov += f0 * wide(r0, c); ov += f1 * wide(r1, c); ov += f2 * wide(r2, c); ov += f3 * wide(r3, c)
            rawO.storeBytes(of: ov, toByteOffset: c &* 8, as: SIMD2<Double>.self)
            c &+= 2
        }
        while c < n {
            o[c] += f[0] * Double(r0[c]) + f[1] * Double(r1[c]) + f[2] * Double(r2[c]) + f[3] * Double(r3[c])
            c += 1
        }
    }

    /// `dot4` and `add4` in one pass over the rows, for when the factors f
    /// are known before the row sums (p = q): returns the four t_k.
    @inline(__always)
    static func dotAdd4(_ f: SIMD4<Double>, _ rows: Rows, _ s: UnsafePointer<Double>,
                        into o: UnsafeMutablePointer<Double>, _ n: Int) -> SIMD4<Double> {
        let (r0, r1, r2, r3) = rows
        let f0 = SIMD2<Double>(repeating: f[0]), f1 = SIMD2<Double>(repeating: f[1])
        let f2 = SIMD2<Double>(repeating: f[2]), f3 = SIMD2<Double>(repeating: f[3])
        let rawO = UnsafeMutableRawPointer(o)
        var a0 = SIMD2<Double>(), a1 = SIMD2<Double>(), a2 = SIMD2<Double>(), a3 = SIMD2<Double>()
        var c = 0
        while c &+ 2 <= n {
            let sv = pair(s, c)
            let x0 = wide(r0, c), x1 = wide(r1, c), x2 = wide(r2, c), x3 = wide(r3, c)
            a0 += x0 * sv; a1 += x1 * sv; a2 += x2 * sv; a3 += x3 * sv
            var ov = pair(o, c)
            ov += f0 * x0; ov += f1 * x1; ov += f2 * x2; ov += f3 * x3
            rawO.storeBytes(of: ov, toByteOffset: c &* 8, as: SIMD2<Double>.self)
            c &+= 2
        }
        var t = SIMD4<Double>(a0.sum(), a1.sum(), a2.sum(), a3.sum())
        while c < n {
            let x = SIMD4<Double>(Double(r0[c]), Double(r1[c]), Double(r2[c]), Double(r3[c]))
            t += x * s[c]
            o[c] += (f * x).sum()
            c += 1
        }
        return t
    }
}
