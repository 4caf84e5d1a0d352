import Foundation

/// Runs one piece of work per batch item on `jobs` worker threads and
/// returns the results in the items' order, whatever order they finish in.
///
/// The work must be safe to run concurrently: the numerics are; libhdf5
/// calls serialise themselves on `HDF5Library.lock`. Work reports its own
/// errors in its result, so one bad file never stops the others.
struct BatchRunner: Sendable {
var jobs: Int
var progress: BatchProgress?

init(jobs: Int, progress: BatchProgress? = nil) {
        self.jobs = max(1, jobs)
        self.progress = progress
    }

func run<Result: Sendable>(_ items: [BatchItem],
                                      _ work: @escaping @Sendable (BatchItem) -> Result) -> [Result] {
        let progress = self.progress
        progress?.start()
        defer { progress?.clear() }
        let workers = min(jobs, items.count)
        guard workers > 1 else {
            return items.map { item in
                let result = work(item)
                progress?.finished(item.path)
                return result
            }
        }
        let state = SharedResults<Result>(count: items.count)
        let finished = DispatchSemaphore(value: 0)
        for _ in 0..<workers {
            let thread = Thread {
                while let index = state.nextIndex() {
                    state.store(work(items[index]), at: index)
                    progress?.finished(items[index].path)
                }
                finished.signal()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        for _ in 0..<workers { finished.wait() }
        return state.results()
    }
}

/// The queue of item indices and the slots for results, behind one lock.
private final class SharedResults<Result: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var next = 0
    private var slots: [Result?]

    init(count: Int) { slots = [Result?](repeating: nil, count: count) }

    /// The next item to process, or nil when all are taken.
    func nextIndex() -> Int? {
        lock.withLock {
            guard next < slots.count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func store(_ result: Result, at index: Int) { lock.withLock { slots[index] = result } }

    /// Every result; call after all workers finished (each slot is filled).
    func results() -> [Result] { lock.withLock { slots.compactMap { $0 } } }
}
