import Foundation
import Network
import Rescaling
import Testing
import WeightFiles
@testable import Evaluation

/// The probe comparison one parameter set at a time, and parameters used
/// in place.
@Suite struct ProbeComparisonTests {
    @Test("A's kept outputs compared with B's evaluator equal the comparison of both evaluators",
          arguments: ["torch_mlp", "torch_cnn", "keras_cnn"])
    func keptOutputsCompareTheSame(name: String) throws {
        let fixture = try CertificateCase(name)
        let z = fixture.scales(seed: 11, integral: false)
        let a = try ForwardEvaluator(network: fixture.network, parameters: fixture.source)
        let b = try ForwardEvaluator(network: fixture.network,
                                     parameters: TensorSource(orderedTensors: fixture.rescaled(by: z), label: "B"))
        let probes = ProbeInputs.seeded(count: 5, seed: 9, sampleShape: nil)
        let both = try a.compare(with: b, on: probes)
        let reference = try a.outputs(on: probes)
        let shape = try a.inputShape()
        let direct = try a.evaluate(reference.inputs, count: 5, sampleShape: shape)
        #expect(reference.count == 5 && reference.sampleShape == shape)
        #expect(reference.outputs == direct)
        let sequential = try b.compare(against: reference)
        #expect(sequential == both)
        #expect(!sequential.bitIdentical && sequential.maxRelDiff > 0 && sequential.maxRelDiff < 1e-5)

        let double = try ForwardEvaluator(network: fixture.network, parameters: fixture.source, precision: .float64)
        #expect(throws: EvaluationError.self) { try double.compare(against: reference) }
    }

    @Test("float32 parameters used in place give the outputs of the same values converted from float16")
    func inPlaceParametersMatchConverted() throws {
        let fixture = try CertificateCase("torch_cnn")
        // float16 values are exact in float32: one set is read in place
        // (float32 bytes), the other converted (float16), with equal values.
        let half = try fixture.tensors.map { try $0.converted(to: .float16) }
        let single = try half.map { try $0.converted(to: .float32) }
        #expect(single.contains { $0.dtype == .float32 })
        let probes = ProbeInputs.seeded(count: 4, seed: 3, sampleShape: nil)
        let converted = try ForwardEvaluator(network: fixture.network,
                                             parameters: TensorSource(orderedTensors: half, label: "f16"))
        let inPlace = try ForwardEvaluator(network: fixture.network,
                                           parameters: TensorSource(orderedTensors: single, label: "f32"))
        let comparison = try inPlace.compare(against: converted.outputs(on: probes))
        #expect(comparison.bitIdentical)
        #expect(comparison.maxAbsDiff == 0)
    }

    @Test("a parameter used in place is the tensor's bytes; other dtypes are converted")
    func parameterStorage() throws {
        let values: [Double] = [1.5, -2.25, 0x1p-20, 3e10]
        let single = try Tensor(name: "w", dtype: .float32, shape: [2, 2], values: values)
        let half = try Tensor(name: "w", dtype: .float16, shape: [2, 2], values: [1.5, -2.25, 0.5, 4])
        let float = ParameterArray<Float>(single)
        #expect(float.count == 4 && float.shape == [2, 2])
        #expect(float.values == values.map(Float.init))
        float.withUnsafeValues { buffer in
            single.bytes.withUnsafeBytes { raw in #expect(UnsafeRawPointer(buffer.baseAddress) == raw.baseAddress) }
        }
        #expect(ParameterArray<Float>(half).values == [1.5, -2.25, 0.5, 4])
        #expect(ParameterArray<Double>(single).values == values.map { Double(Float($0)) })
    }
}
