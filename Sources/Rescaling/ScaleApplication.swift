import Network
import WeightFiles

/// Log2-scales, one per rescaling group: group g is multiplied by 2^z[g].
public typealias LogScales = [Double]

extension ParameterRole {
    /// Calls `body(elementIndex, outGroup, inGroup)` for every element of the
    /// tensor in C order. The basis of applying scales and of every objective.
    @inlinable
    public func forEachElement(_ body: (_ index: Int, _ outGroup: Int, _ inGroup: Int) -> Void) {
        let rank = shape.count
        // Strides of a C-ordered array.
        var strides = [Int](repeating: 1, count: rank)
        if rank > 1 { for axis in stride(from: rank - 2, through: 0, by: -1) { strides[axis] = strides[axis + 1] * shape[axis + 1] } }
        let count = shape.reduce(1, *)
        let outStride = strides[outAxis], outSize = shape[outAxis]
        let inStride = inAxis.map { strides[$0] } ?? 1
        let inSize = inAxis.map { shape[$0] } ?? 1
        for index in 0..<count {
            let o = (index / outStride) % outSize
            let inGroup: Int
            if inAxis != nil { inGroup = self.inGroup(out: o, in: (index / inStride) % inSize) } else { inGroup = -1 }
            body(index, outGroups[o], inGroup)
        }
    }
}

extension Tensor {
    /// This tensor moved by the log2-scales `z` as `role` prescribes: every
    /// element times 2^(z[out] − z[in]). With integer `z` (exact mode) the
    /// result is exact unless an element overflows or becomes subnormal.
    /// Precondition: `role.shape == shape`.
    public func rescaled(by z: LogScales, as role: ParameterRole) -> Tensor {
        precondition(role.shape == shape, "role for \(role.tensor) has shape \(role.shape), tensor \(shape)")
        if dtype == .float32 || dtype == .float64 {
            var result = self
            result.rescale(by: z, as: role)
            return result
        }
        var values = doubles()
        role.forEachElement { index, outGroup, inGroup in
            let exponent = (outGroup >= 0 ? z[outGroup] : 0) - (inGroup >= 0 ? z[inGroup] : 0)
            if exponent != 0 { values[index] *= exp2(exponent) }
        }
        var result = self
        result.setValues(values)
        return result
    }
}

#if canImport(Glibc)
import Glibc
#endif

extension Tensor {
    /// Moves this tensor in place by the log2-scales `z` as `role`
    /// prescribes (see `rescaled(by:as:)`, which gives the same bytes).
    /// float32 and float64 are multiplied where they lie, one pass, no
    /// conversion of the whole tensor; other dtypes go through Double.
    /// Precondition: `role.shape == shape`.
    public mutating func rescale(by z: LogScales, as role: ParameterRole) {
        precondition(role.shape == shape, "role for \(role.tensor) has shape \(role.shape), tensor \(shape)")
        let scaling = RoleScaling(role: role, z: z)
        if scaling.isIdentity { return }
        switch dtype {
        case .float32:
            bytes.withUnsafeMutableBytes { raw in scaling.apply(to: raw.bindMemory(to: Float.self)) }
        case .float64:
            bytes.withUnsafeMutableBytes { raw in scaling.apply(to: raw.bindMemory(to: Double.self)) }
        default:
            self = rescaled(by: z, as: role)
        }
    }
}
