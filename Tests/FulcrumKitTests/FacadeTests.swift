import Foundation
import FulcrumKit
import Testing

/// The facade's entry points on real fixture files, through `import FulcrumKit` alone.
@Suite struct FacadeTests {
    @Test func modelOfAKerasFileUsesItsArchitecture() throws {
        let model = try Model(contentsOf: Repository.fixture("keras_mlp/model.keras"))
        #expect(model.source == .kerasConfig)
        #expect(model.structure.groups.count == 14)
        #expect(model.structure.blocked.count == 3)
        #expect(model.displayPath == Repository.fixture("keras_mlp/model.keras").path)
    }

    @Test func modelOfAStateDictUsesTheSpecAndItsInputShape() throws {
        let model = try Model(contentsOf: Repository.fixture("torch_cnn/model.safetensors"),
                              spec: Repository.fixture("torch_cnn/spec.yaml"), displayPath: "cnn")
        #expect(model.source == .spec)
        #expect(model.network.inputShape == [1, 8, 8])
        // The manifest's expected_check: 10 groups; conv1's 4 units feed the batchnorm, fc's 5 are outputs.
        #expect(model.structure.groups.count == 10)
        #expect(model.structure.blocked.count == 9)
        #expect(model.displayPath == "cnn")
        #expect(Set(try model.tensors().keys) == Set(model.file.tensorNames))
        #expect(model.parameters.names == model.file.tensorNames)
    }

    @Test func optimizerStateIsKeptOutOfTheTensorsAndReportedStale() throws {
        let model = try Model(contentsOf: Repository.fixture("keras_mlp_adam/model.h5"))
        #expect(!model.optimizerTensorNames.isEmpty)
        #expect(model.optimizerTensorNames.allSatisfy { !model.parameters.contains($0) })
        let result = try Rebalancer().balance(model)
        #expect(result.staleOptimizerTensors == model.optimizerTensorNames)
        let lazy = try Model(contentsOf: Repository.fixture("keras_mlp_adam/model.h5"), loading: .onDemand)
        #expect(lazy.parameters.names == model.parameters.names)
        #expect(lazy.optimizerTensorNames.allSatisfy { !lazy.parameters.contains($0) })
    }

    /// Reading tensors on demand changes where they come from, not the
    /// result: the same scales, the same moved bytes, the same proof.
    @Test(arguments: ["torch_mlp", "torch_cnn", "torch_resnet"])
    func onDemandLoadingBalancesExactlyAsInMemory(fixture: String) throws {
        let file = Repository.fixture("\(fixture)/model.safetensors")
        let spec = Repository.fixture("\(fixture)/spec.yaml")
        let eager = try Rebalancer().balance(Model(contentsOf: file, spec: spec, loading: .inMemory))
        let lazy = try Rebalancer().balance(Model(contentsOf: file, spec: spec, loading: .onDemand))
        #expect(lazy.scales == eager.scales)
        #expect(lazy.rewritten == eager.rewritten)
        #expect(lazy.report.objectiveAfter == eager.report.objectiveAfter)
        #expect(lazy.verification?.certificate.exact == true)
        #expect(lazy.verification?.outputs?.bitIdentical == true)
    }

    @Test func continuousBalanceIsProvenWithinTolerance() throws {
        let result = try balance(file: Repository.fixture("torch_mlp/model.safetensors"),
                                 spec: Repository.fixture("torch_mlp/spec.yaml"), exact: false)
        #expect(!result.exact)
        #expect(result.scales.contains { $0 != $0.rounded() })
        let verification = try #require(result.verification)
        #expect(verification.equivalent)
        #expect(result.report.objectiveAfter <= result.report.continuousObjective * (1 + 1e-6))
    }

    @Test func alignWritesAnEquivalentFile() throws {
        let directory = try Repository.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let weights = Repository.fixture("torch_mlp/model.safetensors")
        let spec = Repository.fixture("torch_mlp/spec.yaml")
        let result = try align(file: weights, spec: spec)
        #expect(result.report.criterionAfter <= result.report.criterionBefore)
        #expect(result.verification?.outputs?.bitIdentical == true)
        let output = directory.appendingPathComponent("aligned.safetensors")
        try result.write(to: output)
        let proof = try diff(weights, output, spec: spec)
        #expect(proof.equivalent)
        #expect(proof.certificate.exact)
    }

    @Test func continuousAlignmentThroughTheRebalancer() throws {
        // Foundation has an AlignmentOptions of its own; FulcrumKit's name wins.
        let model = try Model(contentsOf: Repository.fixture("torch_mlp/model.safetensors"),
                              spec: Repository.fixture("torch_mlp/spec.yaml"))
        let result = try Rebalancer().align(model, options: AlignmentOptions(exact: false))
        #expect(!result.exact)
        #expect(result.report.criterionAfter < result.report.criterionBefore)
        #expect(result.verification?.equivalent == true)
    }

    @Test func withoutVerificationThereIsNoReport() throws {
        let model = try Model(contentsOf: Repository.fixture("torch_mlp/model.safetensors"),
                              spec: Repository.fixture("torch_mlp/spec.yaml"))
        let result = try Rebalancer(verify: false).balance(model)
        #expect(result.verification == nil)
        #expect(result.timing.verify == .zero)
        let certificateOnly = try Rebalancer(probes: 0).balance(model)
        #expect(certificateOnly.verification?.outputs == nil)
        #expect(certificateOnly.verification?.certificate.exact == true)
    }

    @Test func nonFiniteWeightsAreRefusedNamingTheTensor() throws {
        let directory = try Repository.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try WeightFileOpener.open(Repository.fixture("torch_mlp/model.safetensors"))
        var tensors = try source.readAll()
        let index = try #require(tensors.firstIndex { $0.name == "2.weight" })
        var values = tensors[index].doubles()
        values[5] = .nan
        tensors[index].setValues(values)
        let broken = directory.appendingPathComponent("nan.safetensors")
        try WeightFileConverter.write(tensors, to: broken, as: .safetensors)

        for loading in [TensorLoading.inMemory, .onDemand] {
            let model = try Model(contentsOf: broken, spec: Repository.fixture("torch_mlp/spec.yaml"),
                                  displayPath: "nan.safetensors", loading: loading)
            #expect(throws: RescaleError.nonFinite(path: "nan.safetensors", tensor: "2.weight", index: 5, value: .nan)) {
                try Rebalancer().balance(model)
            }
            #expect(throws: RescaleError.nonFinite(path: "nan.safetensors", tensor: "2.weight", index: 5, value: .nan)) {
                try Rebalancer().align(model)
            }
        }
        let model = try Model(contentsOf: broken, spec: Repository.fixture("torch_mlp/spec.yaml"), displayPath: "nan.safetensors")
        // The audit still runs and counts it.
        let health = try model.audit()
        #expect(health.status == .fail)
        #expect(health.metrics?.network.nanCount == 1)
    }

    @Test func diffOfDifferentWeightsNamesTheFirstViolation() throws {
        let directory = try Repository.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let weights = Repository.fixture("torch_mlp/model.safetensors")
        var tensors = try WeightFileOpener.open(weights).readAll()
        let index = try #require(tensors.firstIndex { $0.name == "4.bias" })
        var values = tensors[index].doubles()
        values[0] += 0.5
        tensors[index].setValues(values)
        let changed = directory.appendingPathComponent("changed.safetensors")
        try WeightFileConverter.write(tensors, to: changed, as: .safetensors)

        let report = try diff(weights, changed, spec: Repository.fixture("torch_mlp/spec.yaml"))
        #expect(!report.equivalent)
        #expect(report.failureDescription?.contains("4.bias") == true)
    }

    @Test func auditOfAMissingFileIsAnErrorNamingIt() {
        let missing = Repository.fixture("no_such_dir/model.safetensors")
        let health = audit(file: missing)
        #expect(health.status == .error)
        #expect(health.error?.contains(missing.path) == true)
    }

    @Test func auditAppliesTheConfiguredThresholds() throws {
        let file = Repository.fixture("torch_cnn/model.safetensors")
        let spec = Repository.fixture("torch_cnn/spec.yaml")
        let strict = try AuditConfig.parse("max_condition_number: 2\n", path: "strict.yaml")
        let health = audit(file: file, spec: spec, config: strict)
        #expect(health.status == .fail)
        // conv2's condition number (23.8) crosses it; conv1 (2.2) too.
        #expect(Set(health.failures.compactMap(\.layer)) == ["conv1", "conv2"])
        #expect(audit(file: file, spec: spec).status == .pass)
    }
}
