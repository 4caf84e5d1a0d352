import Foundation

/// A contiguous run of rows of one segment: the unit of parallel work.
struct RowChunk: Sendable {
    var segment: Int
    var rowBegin: Int
    var rowEnd: Int
}

/// Scratch accumulators, one slice of `width` Doubles per chunk, allocated
/// once per solve and reused by every sweep. Each chunk writes only its own
/// slice, so chunks can run on different threads.
final class ChunkAccumulators: @unchecked Sendable {
    let width: Int
    let slots: Int
    private let storage: UnsafeMutableBufferPointer<Double>

    init(width: Int, slots: Int) {
        self.width = width
        self.slots = slots
        storage = .allocate(capacity: width * slots)
        storage.initialize(repeating: 0)
    }
    deinit { storage.deallocate() }

    /// The slice of chunk `k`.
    func slice(_ k: Int) -> UnsafeMutableBufferPointer<Double> {
        UnsafeMutableBufferPointer(rebasing: storage[(k * width)..<((k + 1) * width)])
    }

    /// Zeroes the first `count` slices.
    func reset(_ count: Int) {
        for k in 0..<count { slice(k).update(repeating: 0) }
    }

    /// Adds the first `count` slices into `target` (length `width`).
    func sum(_ count: Int, into target: inout [Double]) {
        for k in 0..<count {
            let s = slice(k)
            for g in 0..<width { target[g] += s[g] }
        }
    }
}

enum ParallelRows {
    /// The number of worker chunks for `work` multiply-adds: one when the
    /// work is small, otherwise a few per core.
    static func chunkCount(work: Int) -> Int {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        if work < 1 << 18 || cores <= 1 { return 1 }
        return Swift.min(4 * cores, Swift.max(1, work >> 16))
    }

    /// Splits the rows of `segments` into at most `count` chunks of roughly
    /// equal numbers of values (rows × columns).
    static func chunks(layout: RowLayout, segments: [Int], count: Int) -> [RowChunk] {
        let total = segments.reduce(0) { $0 + layout.segments[$1].rowCount * layout.segments[$1].columnCount }
        let target = Swift.max(1, (total + count - 1) / Swift.max(count, 1))
        var result: [RowChunk] = []
        for s in segments {
            let seg = layout.segments[s]
            let rowsPerChunk = Swift.max(1, target / Swift.max(seg.columnCount, 1))
            var r = 0
            while r < seg.rowCount {
                let end = Swift.min(seg.rowCount, r + rowsPerChunk)
                result.append(RowChunk(segment: s, rowBegin: r, rowEnd: end))
                r = end
            }
        }
        return result
    }

    /// Runs `body(k)` for k in 0..<count, concurrently when count > 1.
    static func run(_ count: Int, _ body: @Sendable (Int) -> Void) {
        if count == 1 { body(0); return }
        DispatchQueue.concurrentPerform(iterations: count, execute: body)
    }
}
