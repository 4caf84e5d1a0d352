import Benchmark
import BenchmarkSupport
import Foundation
import FulcrumKit

/// Proving a generated ReLU MLP (see BenchmarkSupport) equivalent to a
/// balanced copy of it, as `fulcrum diff FILE COPY --probes 8` does.
///
/// - `diff with 8 probes <model>`: open the model and infer its network
///   (`Model(contentsOf:loading: .onDemand)`), open the copy, then `Model.equivalence(to:
///   probes: 8)`: the certificate (every group's scale recovered from the
///   pair, every tensor of the copy checked against the model's moved by
///   them) and both networks run on 8 seeded probes. Fails unless the files
///   are found equivalent. `MB/s` is the bytes of both files over the
///   measured wall time.
///
/// The balanced copy (exact ℓ2, through `Rebalancer().balance`) is made in
/// the benchmark's setup, once per model, and cached in `$FULCRUM_BENCH_DIR`
/// beside the model (`ModelCache.balancedFile(for:)`).
let benchmarks: @Sendable () -> Void = {
    let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal, megabytesPerSecond]

    for model in ModelCache.benchmarkModels {
        let configuration = Benchmark.Configuration(metrics: metrics, warmupIterations: 0,
                                                    maxDuration: .seconds(30), maxIterations: 5)

        Benchmark("diff with 8 probes \(model.label)", configuration: configuration) { benchmark in
            let original = try ModelCache.file(for: model)
            let balanced = try ModelCache.balancedFile(for: model)
            benchmark.startMeasurement()
            let (report, seconds) = try Throughput.timed {
                try Model(contentsOf: original, loading: .onDemand).equivalence(to: WeightFileOpener.open(balanced), probes: 8)
            }
            benchmark.stopMeasurement()
            guard report.equivalent, report.outputs?.probes == 8 else {
                throw BenchmarkFailure(description: "diff \(original.path) \(balanced.path): "
                    + (report.failureDescription ?? "the 8 probes did not run"))
            }
            benchmark.measurement(megabytesPerSecond, Throughput.megabytesPerSecond(bytes: 2 * model.fileByteCount, seconds: seconds))
        } setup: {
            _ = try ModelCache.balancedFile(for: model)
        }
    }
}

/// A benchmark whose result is wrong, naming the files.
struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
}
