/// Calls `body(flatIndex, o, i)` for every element of a C-ordered array of
/// `shape`, where `o` is the coordinate along `outAxis` and `i` the one along
/// `inAxis` (0 when `inAxis` is nil). An odometer over all axes but the last
/// keeps the per-element cost to an increment: no division per element.
@inline(__always)
func forEachCoordinate(shape: [Int], outAxis: Int, inAxis: Int?, _ body: (_ index: Int, _ o: Int, _ i: Int) -> Void) {
    let rank = shape.count
    if rank == 0 { body(0, 0, 0); return }
    if shape.contains(0) { return }
    let last = rank - 1
    let inner = shape[last]
    var coords = [Int](repeating: 0, count: rank)
    var index = 0
    let outIsLast = outAxis == last
    let inIsLast = inAxis == last
    while true {
        let oFixed = outIsLast ? 0 : coords[outAxis]
        let iFixed: Int
        if let axis = inAxis, !inIsLast { iFixed = coords[axis] } else { iFixed = 0 }
        for k in 0..<inner {
            body(index, outIsLast ? k : oFixed, inIsLast ? k : iFixed)
            index += 1
        }
        // Advance the odometer over axes 0..<last.
        var axis = last - 1
        while axis >= 0 {
            coords[axis] += 1
            if coords[axis] < shape[axis] { break }
            coords[axis] = 0
            axis -= 1
        }
        if axis < 0 { return }
    }
}

/// The C-order multi-index of flat element `index` in `shape`.
func multiIndex(_ index: Int, shape: [Int]) -> [Int] {
    var rest = index
    var result = [Int](repeating: 0, count: shape.count)
    for axis in stride(from: shape.count - 1, through: 0, by: -1) where shape[axis] > 0 {
        result[axis] = rest % shape[axis]
        rest /= shape[axis]
    }
    return result
}
