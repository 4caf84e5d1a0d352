import Foundation
import Rescaling

/// The memory bandwidth a solver sweep achieves, next to a plain copy of
/// the same number of bytes on the same machine.
public struct SweepBandwidth: Sendable {
    /// Bytes one sweep streams: the kernel's float32 values, one per stored
    /// weight and bias of an MLP (what `BalanceResult.weightPasses` counts).
    public var bytesPerSweep: Int
    /// Seconds per sweep (Saul's multiplicative update, one pass each).
    public var secondsPerSweep: Double
    /// Seconds for one `memcpy` of `bytesPerSweep` bytes between two
    /// buffers already touched (best of several).
    public var secondsPerCopy: Double

    /// Sweep bandwidth, 10^9 bytes per second.
    public var sweepGBps: Double { Double(bytesPerSweep) / secondsPerSweep / 1e9 }
    /// Copy bandwidth (bytes copied, not bytes read plus written), 10^9 bytes per second.
    public var copyGBps: Double { Double(bytesPerSweep) / secondsPerCopy / 1e9 }

    /// Measures on `problem`: `sweeps` multiplicative sweeps timed against
    /// the same solve with none (the difference is the sweeps alone: the
    /// objective evaluations and set-up cancel), then `memcpy`.
    /// `bytesPerSweep` is `4 ×` the number of parameters the structure moves.
    public static func measure(_ problem: BalanceProblem, parameterCount: Int, sweeps: Int = 20) throws -> SweepBandwidth {
        func run(_ count: Int) throws -> (passes: Double, seconds: Double) {
            let options = BalanceOptions(exact: false, tolerance: 0, maxSweeps: count, solver: .multiplicative)
            let (result, seconds) = try Throughput.timed { try balance(problem, norm: .l2, options: options) }
            return (result.weightPasses, seconds)
        }
        _ = try run(1)  // warm up
        var best = Double.infinity
        for _ in 0..<2 {
            let base = try run(0)
            let full = try run(sweeps)
            let passes = full.passes - base.passes
            if passes > 0 { best = Swift.min(best, (full.seconds - base.seconds) / passes) }
        }
        let bytes = 4 * parameterCount
        return SweepBandwidth(bytesPerSweep: bytes, secondsPerSweep: best, secondsPerCopy: copySeconds(bytes))
    }

    /// Best of five `memcpy`s of `bytes` bytes.
    public static func copySeconds(_ bytes: Int) -> Double {
        let source = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        let target = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
        defer { source.deallocate(); target.deallocate() }
        memset(source, 1, bytes)
        memset(target, 2, bytes)
        var best = Double.infinity
        for _ in 0..<5 {
            let (_, seconds) = Throughput.timed { memcpy(target, source, bytes) }
            best = Swift.min(best, seconds)
        }
        return best
    }
}
