import BenchmarkSupport
import Foundation
import Rescaling

// The helper of side_by_side.sh:
//   fulcrum-bench generate small|medium|large   generate (or reuse) a model, print its path
//   fulcrum-bench balanced small|medium|large   balance (or reuse) a copy of it, print its path
//   fulcrum-bench bandwidth FILE                solver sweep GB/s next to memcpy GB/s (JSON)
//   fulcrum-bench stages FILE [OUT]            time each stage of balance through the library
//   fulcrum-bench clean                         delete every generated model
// Models live in $FULCRUM_BENCH_DIR (default: <tmp>/fulcrum-bench).

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("fulcrum-bench: \(message)\n".utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
switch (arguments.first, arguments.count) {
case ("generate"?, 2), ("balanced"?, 2):
    let models: [String: MLPModel] = ["small": .small, "medium": .medium, "large": .large]
    guard let model = models[arguments[1]] else { fail("unknown model '\(arguments[1])' (small, medium, large)") }
    do {
        let url = arguments[0] == "generate" ? try ModelCache.file(for: model) : try ModelCache.balancedFile(for: model)
        print(url.path)
    } catch { fail("\(error)") }
case ("bandwidth"?, 2):
    do {
        let pipeline = try BalancePipeline(url: URL(fileURLWithPath: arguments[1]))
        let tensors = try pipeline.readTensors()
        let parameters = tensors.values.reduce(0) { $0 + $1.elementCount }
        let problem = try BalanceProblem(structure: pipeline.structure, tensors: tensors)
        let b = try SweepBandwidth.measure(problem, parameterCount: parameters)
        print("{\"bytes_per_sweep\": \(b.bytesPerSweep), \"seconds_per_sweep\": \(b.secondsPerSweep), "
              + "\"sweep_gbps\": \(b.sweepGBps), \"seconds_per_memcpy\": \(b.secondsPerCopy), \"memcpy_gbps\": \(b.copyGBps)}")
    } catch { fail("\(error)") }
case ("stages"?, 2), ("stages"?, 3):
    do {
        func stage<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
            let (value, seconds) = try Throughput.timed(body)
            print(String(format: "%-10@ %8.3f s", name as NSString, seconds))
            return value
        }
        let url = URL(fileURLWithPath: arguments[1])
        let pipeline = try stage("open") { try BalancePipeline(url: url) }
        let tensors = try stage("read") { try pipeline.readTensors() }
        let problem = try stage("problem") { try BalanceProblem(structure: pipeline.structure, tensors: tensors) }
        let result = try stage("solve") { try balance(problem, norm: .l2, options: BalanceOptions()) }
        print("           sweeps \(result.sweeps), passes \(result.weightPasses), integer moves \(result.integerMoves)")
        let rescaled = try stage("rescale") { try problem.rescaledTensors(result.z) }
        if arguments.count == 3 {
            try stage("write") { try pipeline.write(Array(rescaled.values), to: URL(fileURLWithPath: arguments[2])) }
        }
    } catch { fail("\(error)") }
case ("clean"?, 1):
    do { try ModelCache.removeAll() } catch { fail("\(error)") }
default:
    fail("usage: fulcrum-bench generate|balanced small|medium|large | bandwidth FILE | stages FILE [OUT] | clean")
}
