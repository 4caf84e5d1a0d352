/// Where each free group's stored values are: the rows producing it and the
/// (segment, local column) pairs consuming it, and the segments holding
/// either. Built once per solve in O(rows + columns).
struct GroupIncidence: Sendable {
    /// Per free group: the global rows producing it.
    let producerRows: [[Int32]]
    /// Per free group: the (segment, local column) pairs consuming it.
    let consumerColumns: [[(segment: Int32, column: Int32)]]
    /// Per free group: the segments with a row producing it or a column
    /// consuming it, ascending.
    let segments: [[Int32]]

    init(layout: RowLayout) {
        let free = layout.freeGroups.count
        var producerRows = [[Int32]](repeating: [], count: free)
        for (row, out) in layout.rowOut.enumerated() where Int(out) < free { producerRows[Int(out)].append(Int32(row)) }
        var consumerColumns = [[(segment: Int32, column: Int32)]](repeating: [], count: free)
        var segments = [[Int32]](repeating: [], count: free)
        for (s, seg) in layout.segments.enumerated() {
            for r in 0..<seg.rowCount {
                let g = Int(layout.rowOut[seg.rowStart + r])
                if g < free && segments[g].last != Int32(s) { segments[g].append(Int32(s)) }
            }
            for c in 0..<seg.columnCount {
                let g = Int(layout.columnGroups[seg.columnStart + c])
                guard g < free else { continue }
                consumerColumns[g].append((Int32(s), Int32(c)))
                if segments[g].last != Int32(s) { segments[g].append(Int32(s)) }
            }
        }
        self.producerRows = producerRows
        self.consumerColumns = consumerColumns
        self.segments = segments
    }
}
