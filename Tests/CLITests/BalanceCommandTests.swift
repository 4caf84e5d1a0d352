import Evaluation
import Foundation
import Network
import Testing
import TestSupport
import WeightFiles

/// `fulcrum balance` end to end on every fixture network, through the built
/// tool: the result is written, proven, bit-identical in exact mode, lower
/// in norm, and every other tensor keeps its bytes.
@Suite struct BalanceCommandTests {
    /// `balance FILE [--spec S] -o OUT extra…` for a manifest file.
    static func balance(_ path: String, to output: URL, _ extra: [String] = [], command: String = "balance") throws -> ToolResult {
        let network = try FixtureManifest.network(ofFile: path)
        var arguments = [command, Fixtures.url(path).path, "-o", output.path]
        if let spec = network.spec { arguments += ["--spec", Fixtures.url(spec).path] }
        return try Tool.run(arguments + extra)
    }

    /// The tool's JSON document on stdout.
    static func document(_ result: ToolResult) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8))
        return try #require(object as? [String: Any])
    }

    /// The network outputs of `file` on the manifest's probe inputs (f32).
    static func outputs(of file: URL, spec: String?, entry: FixtureManifest.NetworkEntry) throws -> [Double] {
        let opened = try WeightFileOpener.open(file)
        let network = try NetworkLoader.load(file: opened, spec: spec.map { Fixtures.url($0) }).network
        let evaluator = try ForwardEvaluator(network: network, parameters: TensorSource(file: opened))
        let inputs = entry.probeInputs.flatMap { $0.map(\.value) }
        let outputs = try evaluator.evaluate(inputs, count: entry.probeInputs.count, sampleShape: entry.inputShape)
        return outputs.flatMap(\.values)
    }

    @Test(arguments: FixtureManifest.networkFilePaths())
    func exactBalanceIsProvenLowerAndBitIdentical(path: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent(Fixtures.url(path).lastPathComponent)
        let result = try Self.balance(path, to: output, ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let file = try #require((try Self.document(result)["files"] as? [[String: Any]])?.first)
        #expect(file["status"] as? String == "written")
        let before = try #require(file["objective_before"] as? Double)
        let after = try #require(file["objective_after"] as? Double)
        #expect(after <= before)
        let verification = try #require(file["verification"] as? [String: Any])
        #expect(verification["certificate_exact"] as? Bool == true)
        #expect(verification["bit_identical"] as? Bool == true)

        // Every tensor not rewritten keeps its bytes; the rewritten ones moved.
        let rewritten = Set(file["tensors_rewritten"] as? [String] ?? [])
        let original = try WeightFileOpener.open(Fixtures.url(path))
        let balanced = try WeightFileOpener.open(output)
        #expect(balanced.tensorNames == original.tensorNames)
        for name in original.tensorNames {
            let a = try original.read(name), b = try balanced.read(name)
            #expect((a.bytes == b.bytes) == !rewritten.contains(name), "\(name)")
        }

        // Our evaluator gives bit-identical outputs before and after, and both
        // match what the framework itself computed on the probes.
        let entry = try FixtureManifest.network(ofFile: path)
        let expected = entry.probeOutputs.flatMap { $0.map(\.value) }
        let mine = try Self.outputs(of: Fixtures.url(path), spec: entry.spec, entry: entry)
        let theirs = try Self.outputs(of: output, spec: entry.spec, entry: entry)
        #expect(mine.map(\.bitPattern) == theirs.map(\.bitPattern))
        let scale = max(expected.map(abs).max() ?? 1, 1e-30)
        let worst = zip(theirs, expected).map { abs($0 - $1) / scale }.max() ?? 0
        #expect(worst <= 1e-5, "worst relative difference to the framework: \(worst)")

        // fulcrum diff agrees.
        var diffArguments = ["diff", Fixtures.url(path).path, output.path, "--json"]
        if let spec = entry.spec { diffArguments += ["--spec", Fixtures.url(spec).path] }
        let diff = try Tool.run(diffArguments)
        #expect(diff.status == 0, "\(diff.stdout)\(diff.stderr)")
    }

    @Test(arguments: ["torch_mlp/model.safetensors", "torch_cnn/model.npz", "keras_resnet/model.keras"])
    func continuousBalanceIsEquivalentWithinRoundingAndNotHigherThanExact(path: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let exactOut = directory.appendingPathComponent("exact-" + Fixtures.url(path).lastPathComponent)
        let continuousOut = directory.appendingPathComponent("continuous-" + Fixtures.url(path).lastPathComponent)
        let exact = try Self.balance(path, to: exactOut, ["--json"])
        let continuous = try Self.balance(path, to: continuousOut, ["--json", "--continuous"])
        #expect(exact.status == 0 && continuous.status == 0, "\(exact.stderr)\(continuous.stderr)")
        let e = try #require((try Self.document(exact)["files"] as? [[String: Any]])?.first)
        let c = try #require((try Self.document(continuous)["files"] as? [[String: Any]])?.first)
        let exactObjective = try #require(e["objective_after"] as? Double)
        let continuousObjective = try #require(c["objective_after"] as? Double)
        #expect(continuousObjective <= exactObjective * (1 + 1e-9))
        let verification = try #require(c["verification"] as? [String: Any])
        #expect(verification["equivalent"] as? Bool == true)
        #expect(verification["certificate_exact"] as? Bool == false)
    }

    @Test func inPlaceRewritesTheSameBytesAsOutputAndKeepsTheMode() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("model.safetensors")
        try FileManager.default.copyItem(at: Fixtures.url("torch_cnn/model.safetensors"), to: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o640], ofItemAtPath: copy.path)
        let separate = directory.appendingPathComponent("separate.safetensors")
        let spec = Fixtures.url("torch_cnn/spec.yaml").path
        let first = try Tool.run(["balance", copy.path, "--spec", spec, "-o", separate.path])
        let second = try Tool.run(["balance", copy.path, "--spec", spec, "--in-place"])
        #expect(first.status == 0 && second.status == 0, "\(first.stderr)\(second.stderr)")
        #expect(try Data(contentsOf: copy) == Data(contentsOf: separate))
        #expect(try Data(contentsOf: copy) != Data(contentsOf: Fixtures.url("torch_cnn/model.safetensors")))
        let mode = try FileManager.default.attributesOfItem(atPath: copy.path)[.posixPermissions] as? Int
        #expect(mode == 0o640)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.contains("tmp-fulcrum") }
        #expect(leftovers.isEmpty)
    }

    @Test func nonFiniteWeightIsRefusedBeforeAnythingIsWritten() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let poisoned = directory.appendingPathComponent("poisoned.npz")
        let original = try WeightFileOpener.open(Fixtures.url("torch_mlp/model.npz"))
        var weight = try original.read("2.weight")
        var values = weight.doubles()
        values[5] = .nan
        weight.setValues(values)
        try original.write(replacing: [weight], to: poisoned)
        let before = try Data(contentsOf: poisoned)
        let result = try Tool.run(["balance", poisoned.path, "--spec", Fixtures.url("torch_mlp/spec.yaml").path, "--in-place"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("tensor '2.weight' holds nan at flat index 5"), "\(result.stderr)")
        #expect(result.stderr.contains("nothing written"))
        #expect(try Data(contentsOf: poisoned) == before)
    }

    @Test func manyFilesGoToTheOutputDirectoryInParallelAndOneBadFileDoesNotStopTheRest() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputs = directory.appendingPathComponent("in"), outputs = directory.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: inputs, withIntermediateDirectories: true)
        for name in ["a", "b", "c"] {
            try FileManager.default.copyItem(at: Fixtures.url("torch_mlp/model.safetensors"),
                                             to: inputs.appendingPathComponent("\(name).safetensors"))
        }
        try Data("not a weight file".utf8).write(to: inputs.appendingPathComponent("broken.safetensors"))
        let report = directory.appendingPathComponent("report.json")
        let result = try Tool.run(["balance", inputs.path, "--spec", Fixtures.url("torch_mlp/spec.yaml").path,
                                   "--out-dir", outputs.path, "--jobs", "2", "--report", report.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("broken.safetensors"))
        #expect(result.stderr.contains("balance: 4 files, 3 passed, 0 failed, 1 error"), "\(result.stderr)")
        for name in ["a", "b", "c"] {
            #expect(FileManager.default.fileExists(atPath: outputs.appendingPathComponent("\(name).safetensors").path))
        }
        #expect(!FileManager.default.fileExists(atPath: outputs.appendingPathComponent("broken.safetensors").path))
        let document = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: report)) as? [String: Any])
        let summary = try #require(document["summary"] as? [String: Int])
        #expect(summary == ["total": 4, "written": 3, "errors": 1])
    }

    @Test func optimizerStateIsKeptAndWarnedAbout() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("model.h5")
        let result = try Self.balance("keras_mlp_adam/model.h5", to: output)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("optimizer tensor(s) were left byte-identical"))
        let original = try WeightFileOpener.open(Fixtures.url("keras_mlp_adam/model.h5"))
        let balanced = try WeightFileOpener.open(output)
        #expect(!original.optimizerTensorNames.isEmpty)
        for name in original.optimizerTensorNames {
            #expect(try original.read(name).bytes == balanced.read(name).bytes)
        }
    }

    @Test(arguments: [
        (["balance", "x.npz"], "exactly one of -o OUT, --out-dir DIR or --in-place"),
        (["balance", "x.npz", "--in-place", "-o", "y.npz"], "exactly one of -o OUT, --out-dir DIR or --in-place"),
        (["balance", "x.npz", "--in-place", "--norm", "lpq"], "--norm lpq needs --p and --q"),
        (["balance", "x.npz", "--in-place", "--norm", "lpq", "--p", "0.5", "--q", "2"], "p ≥ 1"),
        (["balance", "x.npz", "--in-place", "--p", "3"], "--p and --q go with --norm lpq"),
        (["align", "x.npz", "--in-place", "--max-sweeps", "0"], "--max-sweeps must be at least 1"),
    ])
    func usageErrorsExit64(arguments: [String], message: String) throws {
        let result = try Tool.run(arguments)
        #expect(result.status == 64)
        #expect(result.stderr.contains(message), "\(result.stderr)")
    }

    @Test func outputFlagNeedsASingleInput() throws {
        let result = try Tool.run(["balance", Fixtures.url("torch_mlp/model.npz").path,
                                   Fixtures.url("torch_mlp/model.safetensors").path, "-o", "/tmp/never-written.npz"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("-o names one output file, but 2 input files were found"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/never-written.npz"))
    }

    @Test(arguments: ["torch_mlp/model.safetensors", "torch_resnet/model.safetensors", "keras_cnn/model.keras"])
    func alignLowersTheCriterionAndIsProven(path: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent(Fixtures.url(path).lastPathComponent)
        let result = try Self.balance(path, to: output, ["--json"], command: "align")
        #expect(result.status == 0, "\(result.stderr)")
        let file = try #require((try Self.document(result)["files"] as? [[String: Any]])?.first)
        let before = try #require(file["criterion_before"] as? Double)
        let after = try #require(file["criterion_after"] as? Double)
        #expect(after <= before)
        let history = file["criterion_history"] as? [Double] ?? []
        #expect(zip(history, history.dropFirst()).allSatisfy { $1 <= $0 * (1 + 1e-12) })
        let verification = try #require(file["verification"] as? [String: Any])
        #expect(verification["bit_identical"] as? Bool == true)
    }
}

/// A network with no rescalable unit (a single layer) is already at its
/// optimum: every norm and solver returns at once and writes an unchanged copy.
@Suite struct NoRescalableUnitTests {
    @Test(arguments: [[], ["--continuous"], ["--norm", "l1"], ["--norm", "max"], ["--solver", "saul"],
                      ["--norm", "lpq", "--p", "1", "--q", "2"]])
    func balanceReturnsAtOnceAndKeepsTheBytes(extra: [String]) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("single.npy")
        let result = try Tool.run(["balance", Fixtures.url("npy/f32_le_v1.npy").path, "-o", output.path] + extra)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try Data(contentsOf: output) == Data(contentsOf: Fixtures.url("npy/f32_le_v1.npy")))
    }
}
