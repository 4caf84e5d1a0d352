import Benchmark
import BenchmarkSupport
import Foundation
import FulcrumKit

/// Kernel-aligned rescaling of generated ReLU MLPs (see BenchmarkSupport).
///
/// - `align exact <model>`: what `fulcrum align FILE -o OUT` does short of
///   writing, through the library: open the file, infer the network, read
///   the tensors (`Model(contentsOf:)`), then `Rebalancer().align` (the
///   path-kernel diagonal, power-of-two scales, the moved tensors and the
///   proof: certificate + 8 seeded probes). Custom metrics: `sweeps` of the
///   alignment solver and `MB/s` (file bytes over the measured wall time).
/// - `path kernel diagonal <model>`: the diagonal of the path-lifting kernel
///   alone (one forward and one backward pass with squared weights), from
///   tensors already read; `MB/s` is tensor bytes over the wall time.
let benchmarks: @Sendable () -> Void = {
    let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    let sweepCount = BenchmarkMetric.custom("sweeps", useScalingFactor: false)
    let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal, megabytesPerSecond]

    for model in ModelCache.benchmarkModels {
        let configuration = Benchmark.Configuration(metrics: metrics + [sweepCount], warmupIterations: 0,
                                                    maxDuration: .seconds(30), maxIterations: 5)

        Benchmark("align exact \(model.label)", configuration: configuration) { benchmark in
            let url = try ModelCache.file(for: model)
            benchmark.startMeasurement()
            let (result, seconds) = try Throughput.timed {
                try Rebalancer().align(Model(contentsOf: url), options: AlignmentOptions(exact: true))
            }
            benchmark.stopMeasurement()
            blackHole(result.rewritten)
            benchmark.measurement(sweepCount, result.report.sweeps)
            benchmark.measurement(megabytesPerSecond, Throughput.megabytesPerSecond(bytes: model.fileByteCount, seconds: seconds))
        }

        Benchmark("path kernel diagonal \(model.label)", configuration: configuration) { benchmark in
            let pipeline = try BalancePipeline(url: ModelCache.file(for: model))
            let tensors = try pipeline.readEveryTensor()
            benchmark.startMeasurement()
            let (diagonal, seconds) = try Throughput.timed {
                try pathKernelDiagonal(network: pipeline.network, tensors: tensors)
            }
            benchmark.stopMeasurement()
            blackHole(diagonal)
            benchmark.measurement(megabytesPerSecond, Throughput.megabytesPerSecond(bytes: model.dataByteCount, seconds: seconds))
        }
    }
}
