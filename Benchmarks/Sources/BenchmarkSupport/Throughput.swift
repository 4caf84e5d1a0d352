import Foundation

/// Wall-clock timing of one piece of work, and the bandwidth it achieved.
public enum Throughput {
    /// Runs `body` and returns its result with the elapsed seconds.
    public static func timed<T>(_ body: () throws -> T) rethrows -> (T, Double) {
        let clock = ContinuousClock()
        let start = clock.now
        let result = try body()
        let elapsed = clock.now - start
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        return (result, seconds)
    }

    /// Megabytes (10^6 bytes) per second, rounded.
    public static func megabytesPerSecond(bytes: Int, seconds: Double) -> Int {
        seconds > 0 ? Int((Double(bytes) / seconds / 1e6).rounded()) : 0
    }
}
