import Benchmark
import BenchmarkSupport
import Foundation
import WeightFiles

/// Reading and writing generated safetensors models (see BenchmarkSupport).
///
/// - `read <model>`: open the file and read every tensor (what balance reads).
/// - `write <model>`: write a copy in which every tensor is replaced (the
///   write-back of balance, atomic, fsync included).
/// The custom metric `MB/s` is file bytes over the measured wall time.
let benchmarks: @Sendable () -> Void = {
    let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal, megabytesPerSecond]

    for model in ModelCache.benchmarkModels {
        let configuration = Benchmark.Configuration(metrics: metrics, warmupIterations: 1,
                                                    maxDuration: .seconds(20), maxIterations: 10)
        Benchmark("read \(model.label)", configuration: configuration) { benchmark in
            let url = try ModelCache.file(for: model)
            benchmark.startMeasurement()
            let (bytes, seconds) = try Throughput.timed {
                let file = try WeightFileOpener.open(url)
                var total = 0
                for name in file.tensorNames { total += try file.read(name).bytes.count }
                return total
            }
            benchmark.stopMeasurement()
            blackHole(bytes)
            benchmark.measurement(megabytesPerSecond, Throughput.megabytesPerSecond(bytes: model.fileByteCount, seconds: seconds))
        }

        Benchmark("write \(model.label)", configuration: configuration) { benchmark in
            let url = try ModelCache.file(for: model)
            let file = try WeightFileOpener.open(url)
            let tensors = try file.readAll()
            let output = try ModelCache.scratchDirectory()
            defer { try? FileManager.default.removeItem(at: output) }
            benchmark.startMeasurement()
            let (_, seconds) = try Throughput.timed {
                try file.write(replacing: tensors, to: output.appendingPathComponent("copy.safetensors"))
            }
            benchmark.stopMeasurement()
            benchmark.measurement(megabytesPerSecond, Throughput.megabytesPerSecond(bytes: model.fileByteCount, seconds: seconds))
        }
    }
}
