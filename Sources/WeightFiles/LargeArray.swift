import Glibc

/// Arrays of tens of megabytes (a tensor read from a file, a converted
/// copy) are fresh memory maps from the allocator, and the kernel faults
/// them in one 4 KiB page at a time: on a 520 MB checkpoint read a few times
/// over, those faults cost more than the reading. Asking for transparent
/// huge pages on such a buffer before it is first written (where the
/// system allows them, `madvise` mode included) makes each fault bring in
/// 2 MiB. The contents are unaffected; where huge pages are unavailable the
/// advice is ignored.
public enum LargeArray {
    /// Buffers smaller than this are left alone.
    static let threshold = 4 << 20
    static let hugePage = 2 << 20

    /// An array of `count` elements whose storage `initialize` fills
    /// completely (it receives the uninitialised buffer), with huge pages
    /// advised first for a large one.
    public static func make<Element>(count: Int, _ initialize: (UnsafeMutableBufferPointer<Element>) throws -> Void) rethrows -> [Element] {
        try [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            adviseHugePages(UnsafeMutableRawBufferPointer(buffer))
            try initialize(buffer)
            initialized = count
        }
    }

    /// Advises huge pages for the 2 MiB-aligned interior of `buffer` when
    /// it is large.
    static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count >= threshold, let base = buffer.baseAddress else { return }
        let start = (Int(bitPattern: base) + hugePage - 1) & ~(hugePage - 1)
        let end = (Int(bitPattern: base) + buffer.count) & ~(hugePage - 1)
        guard end > start, let aligned = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(aligned, end - start, MADV_HUGEPAGE)
    }
}
