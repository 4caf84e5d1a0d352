import Evaluation
import Foundation
import Network
import Rescaling
import Testing
import TestSupport
import WeightFiles

/// `fulcrum diff`, run as a user runs it, on fixture files and rescaled
/// copies written by the real writers.
@Suite struct DiffCommandTests {
    /// A fixture file with its network (from the spec) and structure.
    struct Opened {
        var path: URL
        /// The spec for torch networks; nil for Keras files (their architecture is inside).
        var spec: URL?
        var file: any WeightFile
        var structure: RescalingStructure

        init(_ network: String, file name: String = "model.safetensors") throws {
            path = Fixtures.url("\(network)/\(name)")
            spec = network.hasPrefix("torch") ? Fixtures.url("\(network)/spec.yaml") : nil
            file = try WeightFileOpener.open(path)
            let loaded = try NetworkLoader.load(file: file, spec: spec).network
            structure = try rescalingStructure(of: loaded, file: file)
        }

        /// Writes a copy whose parameters are moved by `z`, then edited by `edit`.
        func writeRescaled(by z: [Double], to url: URL, edit: (inout [Tensor]) -> Void = { _ in }) throws {
            var tensors = try structure.parameters.map { role in try file.read(role.tensor).rescaled(by: z, as: role) }
            edit(&tensors)
            try file.write(replacing: tensors, to: url)
        }

        /// `diff A B` arguments with the spec when there is one.
        func arguments(_ b: URL, _ extra: String...) -> [String] {
            ["diff", path.path, b.path] + (spec.map { ["--spec", $0.path] } ?? []) + extra
        }

        /// Seeded log2-scales, integers in −3…3 or reals in [−2, 2).
        func scales(integral: Bool, seed: UInt64 = 21) -> [Double] {
            var generator = ProbeGenerator(seed: seed)
            return structure.groups.map { _ in integral ? (3.5 * generator.next()).rounded(.down) : 2 * generator.next() }
        }
    }

    static func json(_ result: ToolResult) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any],
                     "stdout: \(result.stdout) stderr: \(result.stderr)")
    }

    @Test("a power-of-two rebalanced copy is equivalent, exactly, with bit-identical outputs",
          arguments: ["torch_mlp/model.safetensors", "torch_cnn/model.safetensors", "torch_resnet/model.safetensors",
                      "torch_cnn/model.h5", "keras_mlp/model.h5", "keras_cnn/model.h5", "keras_resnet/model.h5",
                      "keras_mlp_adam/model.h5", "keras_resnet/model.keras", "keras_blockers/model.keras"])
    func powerOfTwoCopyIsEquivalent(fixture: String) throws {
        let parts = fixture.split(separator: "/").map(String.init)
        let opened = try Opened(parts[0], file: parts[1])
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("balanced." + opened.path.pathExtension)
        let z = opened.scales(integral: true)
        try opened.writeRescaled(by: z, to: copy)

        let result = try Tool.run(opened.arguments(copy, "--json"))
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let document = try Self.json(result)
        #expect(Array(document.keys).sorted() == ["certificate", "equivalent", "file_a", "file_b", "network", "notes", "outputs"])
        #expect(document["equivalent"] as? Bool == true)
        #expect(document["file_b"] as? String == copy.path)
        let certificate = try #require(document["certificate"] as? [String: Any])
        #expect(certificate["holds"] as? Bool == true)
        #expect(certificate["exact"] as? Bool == true)
        #expect(certificate["scales_log2"] as? [Double] == z)
        #expect(certificate["first_violation"] is NSNull)
        let worst = try #require(certificate["worst"] as? [String: Any])
        #expect(worst["relative_error"] as? Double == 0)
        let outputs = try #require(document["outputs"] as? [String: Any])
        #expect(outputs["probes"] as? Int == 8)
        #expect(outputs["bit_identical"] as? Bool == true)
        #expect(outputs["max_abs_diff"] as? Double == 0)

        let text = try Tool.run(opened.arguments(copy))
        #expect(text.status == 0)
        #expect(text.stdout.contains("holds exactly"))
        #expect(text.stdout.contains("bit-identical"))
        #expect(text.stdout.hasSuffix("equivalent\n") && !text.stdout.contains("NOT"))
    }

    @Test("a continuous rebalanced copy is equivalent within tolerance, not bit-identical")
    func continuousCopyIsEquivalentWithinTolerance() throws {
        let opened = try Opened("torch_cnn")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("continuous.safetensors")
        try opened.writeRescaled(by: opened.scales(integral: false), to: copy)
        let result = try Tool.run(opened.arguments(copy, "--json"))
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let document = try Self.json(result)
        let certificate = try #require(document["certificate"] as? [String: Any])
        #expect(certificate["holds"] as? Bool == true)
        #expect(certificate["exact"] as? Bool == false)
        let worst = try #require(certificate["worst"] as? [String: Any])
        let error = try #require(worst["relative_error"] as? Double)
        #expect(error > 0 && error <= 1e-6)
        let outputs = try #require(document["outputs"] as? [String: Any])
        #expect(outputs["bit_identical"] as? Bool == false)
        let relative = try #require(outputs["max_rel_diff"] as? Double)
        #expect(relative > 0 && relative <= 1e-5)
    }

    @Test("one weight changed by 1e-3: exit 1, naming the tensor, element and unit")
    func changedWeightExitsOne() throws {
        let opened = try Opened("torch_cnn")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("changed.safetensors")
        // conv2 weight "4.weight" (6, 4, 3, 3): element [2, 1, 0, 2] is flat index 2·36 + 1·9 + 2 = 83.
        try opened.writeRescaled(by: opened.scales(integral: true), to: copy) { tensors in
            guard let position = tensors.firstIndex(where: { $0.name == "4.weight" }) else { return }
            var values = tensors[position].doubles()
            values[83] += 1e-3
            tensors[position].setValues(values)
        }
        let result = try Tool.run(opened.arguments(copy, "--json"))
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        let document = try Self.json(result)
        #expect(document["equivalent"] as? Bool == false)
        let certificate = try #require(document["certificate"] as? [String: Any])
        #expect(certificate["holds"] as? Bool == false)
        #expect(certificate["violation_count"] as? Int == 1)
        let violation = try #require(certificate["first_violation"] as? [String: Any])
        #expect(violation["tensor"] as? String == "4.weight")
        #expect(violation["index"] as? [Int] == [2, 1, 0, 2])
        #expect(violation["unit"] as? String == "conv2:2")

        let text = try Tool.run(opened.arguments(copy))
        #expect(text.status == 1)
        #expect(text.stdout.contains("tensor '4.weight' at [2, 1, 0, 2] (unit conv2:2)"))
        #expect(text.stdout.hasSuffix("NOT equivalent\n"))
    }

    @Test("unrelated weights of the same shapes: exit 1")
    func unrelatedWeightsExitOne() throws {
        let opened = try Opened("torch_mlp")
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let other = directory.appendingPathComponent("other.safetensors")
        var generator = ProbeGenerator(seed: 5)
        let random = try opened.file.readAll().map { tensor in
            try Tensor(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape,
                       values: (0..<tensor.elementCount).map { _ in generator.next() })
        }
        try opened.file.write(replacing: random, to: other)
        let result = try Tool.run(opened.arguments(other))
        #expect(result.status == 1, "\(result.stdout) \(result.stderr)")
        #expect(result.stdout.contains("does not hold"))
        #expect(result.stdout.contains("first violation: tensor '0.bias'"))

        // A different network altogether: B lacks shapes A's network needs.
        let blockers = Fixtures.url("torch_blockers/model.safetensors")
        let mixed = try Tool.run(opened.arguments(blockers, "--json"))
        #expect(mixed.status == 1, "\(mixed.stdout) \(mixed.stderr)")
        let document = try Self.json(mixed)
        #expect(document["equivalent"] as? Bool == false)

        // Keras: the same architecture one Adam step apart.
        let keras = try Opened("keras_mlp", file: "model.h5")
        let adam = try Tool.run(keras.arguments(Fixtures.url("keras_mlp_adam/model.h5")))
        #expect(adam.status == 1, "\(adam.stdout) \(adam.stderr)")
        #expect(adam.stdout.contains("first violation: tensor 'model_weights/dense/sequential/dense/kernel'"))
    }

    @Test("the same tensors in another format are equivalent; probes from an .npy batch")
    func otherFormatAndInputsFile() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let entry = try NetworkFixtures.shared.network("torch_mlp")
        let inputs = try Tensor(name: "x", dtype: .float32, shape: [entry.probeInputs.count, 4],
                                values: entry.probeInputs.flatMap { $0 })
        let npy = directory.appendingPathComponent("x.npy")
        try NPYFile.create(at: npy, tensor: inputs)
        let result = try Tool.run(["diff", Fixtures.url("torch_mlp/model.safetensors").path,
                                   Fixtures.url("torch_mlp/model.npz").path,
                                   "--spec", Fixtures.url("torch_mlp/spec.yaml").path, "--inputs", npy.path, "--json"])
        #expect(result.status == 0, "\(result.stdout) \(result.stderr)")
        let document = try Self.json(result)
        let outputs = try #require(document["outputs"] as? [String: Any])
        #expect(outputs["probes"] as? Int == entry.probeInputs.count)
        #expect(outputs["input_shape"] as? [Int] == [4])
        #expect(outputs["bit_identical"] as? Bool == true)

        let skipped = try Tool.run(["diff", Fixtures.url("torch_mlp/model.safetensors").path,
                                    Fixtures.url("torch_mlp/model.npz").path,
                                    "--spec", Fixtures.url("torch_mlp/spec.yaml").path, "--probes", "0", "--json"])
        #expect(skipped.status == 0)
        let skippedDocument = try Self.json(skipped)
        #expect(skippedDocument["outputs"] is NSNull)
        #expect((skippedDocument["notes"] as? [String])?.contains { $0.contains("--probes 0") } == true)
    }

    @Test("bad input exits 2 with the file named; bad usage exits 64")
    func errorsAndUsage() throws {
        let a = Fixtures.url("torch_mlp/model.safetensors").path
        let missing = try Tool.run(["diff", a, "/nonexistent/b.safetensors"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("fulcrum: error:") && missing.stderr.contains("/nonexistent/b.safetensors"))
        let badInputs = try Tool.run(["diff", a, a, "--spec", Fixtures.url("torch_mlp/spec.yaml").path,
                                      "--inputs", Fixtures.url("npy/tensor3d.npy").path])
        #expect(badInputs.status == 2)
        #expect(badInputs.stderr.contains("does not hold samples of shape [4]"))
        #expect(try Tool.run(["diff", a, a, "--probes", "3", "--inputs", "x.npy"]).status == 64)
        #expect(try Tool.run(["diff", a, a, "--input-shape", "1,x,8"]).status == 64)
        #expect(try Tool.run(["diff", a]).status == 64)
    }
}
