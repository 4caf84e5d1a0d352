/// Seeded pseudo-random probe inputs, reproducible across runs and machines
/// (SplitMix64, then a uniform value in [-1, 1)).
public struct ProbeGenerator: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    /// The next value, uniform in [-1, 1).
    public mutating func next() -> Double {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) * 0x1p-52 - 1
    }

    /// `count` probe inputs of `sampleShape`, as one (count, sampleShape…)
    /// batch in C order.
    public mutating func batch(count: Int, sampleShape: [Int]) -> [Double] {
        let size = count * sampleShape.reduce(1, *)
        return (0..<size).map { _ in next() }
    }
}
