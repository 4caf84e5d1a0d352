import Network
import WeightFiles

/// One-pass, allocation-free walks over the elements of a parameter tensor
/// as a `ParameterRole` sees them: the element's flat index, its out
/// coordinate o, its in coordinate i (0 without an in axis) and its value
/// converted to Double straight from the stored bytes (no `[Double]` copy
/// of the tensor). Precondition: the tensor's shape is the role's and its
/// dtype is floating point (checked by `RowLayout.validate`).
enum RoleValues {
    @inline(__always)
    static func forEach(_ role: ParameterRole, _ tensor: Tensor,
                        _ body: (_ index: Int, _ o: Int, _ i: Int, _ value: Double) -> Void) {
        tensor.bytes.withUnsafeBytes { raw in
            switch tensor.dtype {
            case .float32:
                let v = raw.bindMemory(to: Float.self)
                forEachCoordinate(shape: role.shape, outAxis: role.outAxis, inAxis: role.inAxis) { index, o, i in
                    body(index, o, i, Double(v[index]))
                }
            case .float64:
                let v = raw.bindMemory(to: Double.self)
                forEachCoordinate(shape: role.shape, outAxis: role.outAxis, inAxis: role.inAxis) { index, o, i in
                    body(index, o, i, v[index])
                }
            case .float16:
                let v = raw.bindMemory(to: UInt16.self)
                forEachCoordinate(shape: role.shape, outAxis: role.outAxis, inAxis: role.inAxis) { index, o, i in
                    body(index, o, i, Double(Float(Float16(bitPattern: v[index]))))
                }
            case .bfloat16:
                let v = raw.bindMemory(to: UInt16.self)
                forEachCoordinate(shape: role.shape, outAxis: role.outAxis, inAxis: role.inAxis) { index, o, i in
                    body(index, o, i, Double(Float(bitPattern: UInt32(v[index]) << 16)))
                }
            default:
                let values = tensor.doubles()
                forEachCoordinate(shape: role.shape, outAxis: role.outAxis, inAxis: role.inAxis) { index, o, i in
                    body(index, o, i, values[index])
                }
            }
        }
    }

    /// The structure group consumed by the element at (o, i) of `role`, or
    /// −1; the same as `role.inGroup(out:in:)` without a call per element.
    struct InGroups {
        let groups: [Int]
        let hasIn: Bool
        let blocked: Bool
        let blockSize: Int
        let inSize: Int

        init(_ role: ParameterRole) {
            groups = role.inGroups
            hasIn = role.inAxis != nil
            blocked = role.inBlocks > 1
            inSize = role.inAxis.map { role.shape[$0] } ?? 1
            blockSize = Swift.max(1, role.shape[role.outAxis] / Swift.max(role.inBlocks, 1))
        }

        @inline(__always)
        func group(_ o: Int, _ i: Int) -> Int {
            guard hasIn else { return -1 }
            return groups[blocked ? (o / blockSize) * inSize + i : i]
        }
    }
}
