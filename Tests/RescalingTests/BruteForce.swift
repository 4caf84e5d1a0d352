import Foundation
import Network
import Rescaling
import WeightFiles

/// A flat list of elements for fast brute-force objectives in tests
/// (straight from the tensors, independent of the library's layout).
struct ElementList {
    var magnitude: [Double] = []
    var outGroup: [Int] = []
    var inGroup: [Int] = []
    var row: [Int] = []
    var node: [Int] = []
    var rowNode: [Int] = []
    var nodeCount = 0

    init(_ structure: RescalingStructure, _ tensors: [String: Tensor]) {
        var rowIndex: [String: Int] = [:]
        var nodeIndex: [String: Int] = [:]
        for role in structure.parameters {
            let values = tensors[role.tensor]!.doubles()
            let strides = stridesOf(role.shape)
            let n = nodeIndex[role.node] ?? { nodeIndex[role.node] = nodeIndex.count; return nodeIndex.count - 1 }()
            for index in 0..<values.count where values[index] != 0 {
                let o = (index / strides[role.outAxis]) % role.shape[role.outAxis]
                let i = role.inAxis.map { (index / strides[$0]) % role.shape[$0] } ?? 0
                let key = "\(role.node):\(o)"
                let r = rowIndex[key] ?? { rowIndex[key] = rowIndex.count; rowNode.append(n); return rowIndex.count - 1 }()
                magnitude.append(abs(values[index]))
                outGroup.append(role.outGroups[o])
                inGroup.append(role.inAxis == nil ? -1 : role.inGroup(out: o, in: i))
                row.append(r)
                node.append(n)
            }
        }
        nodeCount = nodeIndex.count
    }

    func lpq(_ z: [Double], p: Double, q: Double) -> Double {
        var rows = [Double](repeating: 0, count: rowNode.count)
        for k in magnitude.indices {
            let e = (outGroup[k] >= 0 ? z[outGroup[k]] : 0) - (inGroup[k] >= 0 ? z[inGroup[k]] : 0)
            rows[row[k]] += pow(magnitude[k] * exp2(e), p)
        }
        return rows.reduce(0) { $0 + pow($1, q / p) }
    }

    func max(_ z: [Double]) -> Double {
        var best = [Double](repeating: 0, count: nodeCount)
        for k in magnitude.indices {
            let e = (outGroup[k] >= 0 ? z[outGroup[k]] : 0) - (inGroup[k] >= 0 ? z[inGroup[k]] : 0)
            best[node[k]] = Swift.max(best[node[k]], magnitude[k] * exp2(e))
        }
        return best.reduce(0, +)
    }
}
