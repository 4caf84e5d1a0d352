import Benchmark
import BenchmarkSupport
import Foundation
import Rescaling
import WeightFiles

/// Balancing generated ReLU MLPs (see BenchmarkSupport), stage by stage.
///
/// - `solve l2 exact <model>` / `solve l2 continuous <model>`: build the
///   problem from tensors already read and run `balance` (ℓ2, default
///   block-coordinate solver, tolerance 1e-6); custom metrics: sweeps and
///   passes over the weights.
/// - `apply scales <model>`: the rescaled tensors for the exact solution.
/// - `balance end-to-end <model>`: open, analyse, read, solve (exact ℓ2),
///   rescale and write a new file — the library path of `fulcrum balance`.
/// - `sweep <model>` and `memcpy <model>`: the bandwidth (MB/s) of one
///   solver sweep over the weights next to a memcpy of the same bytes.
let benchmarks: @Sendable () -> Void = {
    let megabytesPerSecond = BenchmarkMetric.custom("MB/s", polarity: .prefersLarger, useScalingFactor: false)
    let sweepCount = BenchmarkMetric.custom("sweeps", useScalingFactor: false)
    let passCount = BenchmarkMetric.custom("weight passes", useScalingFactor: false)
    let metrics: [BenchmarkMetric] = [.wallClock, .throughput, .peakMemoryResident, .mallocCountTotal]

    for model in ModelCache.benchmarkModels {
        let configuration = Benchmark.Configuration(metrics: metrics + [megabytesPerSecond, sweepCount, passCount],
                                                    warmupIterations: 0, maxDuration: .seconds(30), maxIterations: 5)

        for exact in [true, false] {
            Benchmark("solve l2 \(exact ? "exact" : "continuous") \(model.label)", configuration: configuration) { benchmark in
                let pipeline = try BalancePipeline(url: ModelCache.file(for: model))
                let tensors = try pipeline.readTensors()
                benchmark.startMeasurement()
                let ((_, result), seconds) = try Throughput.timed {
                    try pipeline.solve(tensors, options: BalanceOptions(exact: exact))
                }
                benchmark.stopMeasurement()
                benchmark.measurement(sweepCount, result.sweeps)
                benchmark.measurement(passCount, Int(result.weightPasses.rounded()))
                benchmark.measurement(megabytesPerSecond, Throughput.megabytesPerSecond(bytes: model.dataByteCount, seconds: seconds))
            }
        }

        Benchmark("apply scales \(model.label)", configuration: configuration) { benchmark in
            let pipeline = try BalancePipeline(url: ModelCache.file(for: model))
            let (problem, result) = try pipeline.solve(pipeline.readTensors(), options: BalanceOptions())
            benchmark.startMeasurement()
            let (rescaled, seconds) = try Throughput.timed { try problem.rescaledTensors(result.z) }
            benchmark.stopMeasurement()
            blackHole(rescaled)
            benchmark.measurement(megabytesPerSecond, Throughput.megabytesPerSecond(bytes: model.dataByteCount, seconds: seconds))
        }

        Benchmark("balance end-to-end \(model.label)", configuration: configuration) { benchmark in
            let url = try ModelCache.file(for: model)
            let output = try ModelCache.scratchDirectory()
            defer { try? FileManager.default.removeItem(at: output) }
            benchmark.startMeasurement()
            let (_, seconds) = try Throughput.timed {
                let pipeline = try BalancePipeline(url: url)
                let (problem, result) = try pipeline.solve(pipeline.readTensors(), options: BalanceOptions())
                let rescaled = try problem.rescaledTensors(result.z)
                try pipeline.write(Array(rescaled.values), to: output.appendingPathComponent("balanced.safetensors"))
            }
            benchmark.stopMeasurement()
            benchmark.measurement(megabytesPerSecond, Throughput.megabytesPerSecond(bytes: model.fileByteCount, seconds: seconds))
        }

        let once = Benchmark.Configuration(metrics: [.wallClock, megabytesPerSecond], warmupIterations: 0,
                                           maxDuration: .seconds(60), maxIterations: 1)
        Benchmark("sweep \(model.label)", configuration: once) { benchmark in
            let pipeline = try BalancePipeline(url: ModelCache.file(for: model))
            let problem = try BalanceProblem(structure: pipeline.structure, tensors: pipeline.readTensors())
            let bandwidth = try SweepBandwidth.measure(problem, parameterCount: model.parameterCount)
            benchmark.measurement(megabytesPerSecond, Int((bandwidth.sweepGBps * 1000).rounded()))
        }
        Benchmark("memcpy \(model.label)", configuration: once) { benchmark in
            let seconds = SweepBandwidth.copySeconds(model.dataByteCount)
            benchmark.measurement(megabytesPerSecond, Throughput.megabytesPerSecond(bytes: model.dataByteCount, seconds: seconds))
        }
    }
}
