import Evaluation
import Foundation
import Network
import Rescaling
import Testing
import WeightFiles

/// The equivalence certificate and the probe check over the fixture
/// networks, rescaled by known scales.
@Suite struct CertificateTests {
    static let probes = ProbeInputs.seeded(count: 8, seed: 42, sampleShape: nil)

    @Test("power-of-two rescaling: exact certificate, recovered scales, bit-identical outputs",
          arguments: CertificateCase.names)
    func powerOfTwoRescalingIsExact(name: String) throws {
        let fixture = try CertificateCase(name)
        #expect(!fixture.structure.groups.isEmpty)
        let z = fixture.scales(seed: 7, integral: true)
        #expect(z.contains { $0 != 0 })
        let rescaled = TensorSource(orderedTensors: fixture.rescaled(by: z), label: "\(name) B")
        let report = try verifyEquivalence(original: fixture.source, rescaled: rescaled, network: fixture.network,
                                           structure: fixture.structure, probes: Self.probes)
        let certificate = report.certificate
        #expect(certificate.holds)
        #expect(certificate.exact)
        #expect(certificate.violationCount == 0)
        #expect(certificate.firstViolation == nil)
        #expect(certificate.worst?.relativeError == 0)
        for group in fixture.determinedGroups {
            #expect(certificate.scalesLog2[group] == z[group], "group \(group) of \(name)")
        }
        let outputs = try #require(report.outputs)
        print("[certificate] \(name) power-of-two: \(z.count) groups, outputs max abs diff \(outputs.maxAbsDiff)")
        #expect(outputs.bitIdentical)
        #expect(outputs.maxAbsDiff == 0)
        #expect(outputs.probes == 8)
        #expect(report.equivalent)
        #expect(report.failureDescription == nil)
    }

    @Test("continuous rescaling: holds within tolerance, not exact, outputs close but not bit-identical",
          arguments: CertificateCase.names)
    func continuousRescalingHoldsWithinTolerance(name: String) throws {
        let fixture = try CertificateCase(name)
        let z = fixture.scales(seed: 11, integral: false)
        let rescaled = TensorSource(orderedTensors: fixture.rescaled(by: z), label: "\(name) B")
        let report = try verifyEquivalence(original: fixture.source, rescaled: rescaled, network: fixture.network,
                                           structure: fixture.structure, probes: Self.probes)
        let certificate = report.certificate
        #expect(certificate.holds, "\(String(describing: certificate.firstViolation))")
        #expect(!certificate.exact)
        let worst = try #require(certificate.worst)
        #expect(worst.relativeError > 0 && worst.relativeError <= 1e-6)
        for group in fixture.determinedGroups {
            #expect(abs(certificate.scalesLog2[group] - z[group]) <= 1e-5, "group \(group) of \(name)")
        }
        let outputs = try #require(report.outputs)
        print("[certificate] \(name) continuous: worst entry \(worst.tensor) \(worst.index) \(worst.relativeError), "
              + "outputs max rel diff \(outputs.maxRelDiff)")
        #expect(!outputs.bitIdentical)
        #expect(outputs.maxRelDiff > 0 && outputs.maxRelDiff <= 1e-5)
        #expect(report.equivalent)
    }

    @Test("one weight changed by 1e-3 breaks the certificate at that weight", arguments: CertificateCase.names)
    func changedWeightIsLocated(name: String) throws {
        let fixture = try CertificateCase(name)
        let z = fixture.scales(seed: 5, integral: true)
        var tensors = fixture.rescaled(by: z)
        // A weight that moves (produces or consumes a group), in the middle of the tensor.
        let role = try #require(fixture.structure.parameters.first { role in
            role.kind == .weight && (role.outGroups + role.inGroups).contains { $0 >= 0 }
        })
        let position = try #require(tensors.firstIndex { $0.name == role.tensor })
        var values = tensors[position].doubles()
        let element = values.count / 2
        values[element] += 1e-3
        tensors[position].setValues(values)
        let rescaled = TensorSource(orderedTensors: tensors, label: "\(name) B")
        let report = try verifyEquivalence(original: fixture.source, rescaled: rescaled, network: fixture.network,
                                           structure: fixture.structure, probes: Self.probes)
        #expect(!report.equivalent)
        #expect(!report.certificate.holds)
        #expect(report.certificate.violationCount == 1)
        let violation = try #require(report.certificate.firstViolation)
        let shape = tensors[position].shape
        var coordinates = [Int](repeating: 0, count: shape.count), rest = element
        for axis in shape.indices.reversed() { coordinates[axis] = rest % shape[axis]; rest /= shape[axis] }
        #expect(violation.entry.tensor == role.tensor)
        #expect(violation.entry.index == coordinates)
        #expect(violation.entry.unit == "\(role.node):\(coordinates[role.outAxis])")
        #expect(violation.actual == values[element] || violation.actual == Double(Float(values[element])))
        let description = try #require(report.failureDescription)
        print("[certificate] \(name) changed weight: \(description)")
        #expect(description.contains(role.tensor))
        // The probes may or may not reveal it (a ReLU can hide the change on
        // every probe); the certificate does regardless.
        print("[certificate] \(name) changed weight: probe outputs bit-identical: "
              + "\(report.outputs?.bitIdentical == true)")
    }

    @Test("a changed running statistic breaks the certificate as a tensor outside every group")
    func changedRunningStatisticIsLocated() throws {
        let fixture = try CertificateCase("torch_cnn")
        var tensors = fixture.rescaled(by: fixture.scales(seed: 3, integral: true))
        let position = try #require(tensors.firstIndex { $0.name == "1.running_var" })
        var values = tensors[position].doubles()
        values[2] *= 1.5
        tensors[position].setValues(values)
        let certificate = try EquivalenceCertifier.certify(
            original: fixture.source, candidate: TensorSource(orderedTensors: tensors, label: "B"),
            structure: fixture.structure)
        #expect(!certificate.holds)
        let violation = try #require(certificate.firstViolation)
        #expect(violation.entry.tensor == "1.running_var")
        #expect(violation.entry.index == [2])
        #expect(violation.entry.unit == nil)
        #expect(violation.reason.contains("byte-equal"))
    }

    @Test("unrelated parameter sets are not equivalent")
    func unrelatedNetworksAreNotEquivalent() throws {
        // keras_mlp and keras_mlp_adam: the same architecture, weights one Adam step apart.
        let manifest = NetworkFixtures.shared
        let fixture = try CertificateCase("keras_mlp")
        let other = try manifest.file("keras_mlp_adam/model.h5").tensors.filter { !$0.name.hasPrefix("optimizer") }
        let report = try verifyEquivalence(original: fixture.source,
                                           rescaled: TensorSource(orderedTensors: other, label: "keras_mlp_adam"),
                                           network: fixture.network, structure: fixture.structure, probes: Self.probes)
        #expect(!report.equivalent)
        #expect(report.certificate.violationCount > 1)
        #expect(report.certificate.firstViolation?.entry.tensor == "model_weights/dense/sequential/dense/kernel")
        #expect(report.outputs.map { $0.maxRelDiff > 1e-4 } == true)

        // torch_mlp against seeded random weights of the same shapes.
        let torch = try CertificateCase("torch_mlp")
        var generator = ProbeGenerator(seed: 99)
        let random = try torch.tensors.map { tensor in
            try Tensor(name: tensor.name, dtype: tensor.dtype, shape: tensor.shape,
                       values: (0..<tensor.elementCount).map { _ in generator.next() })
        }
        let certificate = try EquivalenceCertifier.certify(
            original: torch.source, candidate: TensorSource(orderedTensors: random, label: "random"),
            structure: torch.structure)
        #expect(!certificate.holds)
        #expect(certificate.firstViolation?.entry.tensor == torch.tensors[0].name)
    }

    @Test("a tensor missing from B, or B with an extra tensor, is a violation")
    func tensorSetsMustMatch() throws {
        let fixture = try CertificateCase("torch_mlp")
        let missing = Array(fixture.tensors.dropLast())
        let certificate = try EquivalenceCertifier.certify(
            original: fixture.source, candidate: TensorSource(orderedTensors: missing, label: "B"),
            structure: fixture.structure)
        #expect(!certificate.holds)
        #expect(certificate.firstViolation?.entry.tensor == fixture.tensors.last?.name)
        #expect(certificate.firstViolation?.reason.contains("missing") == true)

        let extra = fixture.tensors + [try Tensor(name: "extra", dtype: .float32, shape: [1], values: [1])]
        let second = try EquivalenceCertifier.certify(
            original: fixture.source, candidate: TensorSource(orderedTensors: extra, label: "B"),
            structure: fixture.structure)
        #expect(!second.holds)
        #expect(second.firstViolation?.entry.tensor == "extra")
    }

    @Test("a sign flip (negative scale) is not a rescaling")
    func negativeScaleIsRejected() throws {
        let fixture = try CertificateCase("torch_mlp")
        // Flip unit 0 of fc1 (row 0 of 0.weight, 0.bias[0]) and its column of 2.weight: ReLU is not odd.
        var tensors = fixture.tensors
        for (name, flip) in [("0.weight", { (i: Int) in i < 4 }), ("0.bias", { (i: Int) in i == 0 }),
                             ("2.weight", { (i: Int) in i % 8 == 0 })] {
            let position = try #require(tensors.firstIndex { $0.name == name })
            var values = tensors[position].doubles()
            for i in values.indices where flip(i) { values[i] = -values[i] }
            tensors[position].setValues(values)
        }
        let certificate = try EquivalenceCertifier.certify(
            original: fixture.source, candidate: TensorSource(orderedTensors: tensors, label: "B"),
            structure: fixture.structure)
        #expect(!certificate.holds)
        #expect(certificate.firstViolation?.entry.unit == "fc1:0")
    }
}

extension CertificateTests {
    @Test("a corrupted largest entry of a producer row is located, not blamed on the rest of the row")
    func corruptedPivotIsLocated() throws {
        let fixture = try CertificateCase("torch_mlp")
        var tensors = fixture.rescaled(by: fixture.scales(seed: 13, integral: true))
        // Row 2 of fc2 (2.weight, shape (6, 8)): corrupt its largest entry.
        let position = try #require(tensors.firstIndex { $0.name == "2.weight" })
        var values = tensors[position].doubles()
        let row = Array(values[16..<24])
        let column = try #require(row.indices.max { abs(row[$0]) < abs(row[$1]) })
        values[16 + column] *= 1.001
        tensors[position].setValues(values)
        let certificate = try EquivalenceCertifier.certify(
            original: fixture.source, candidate: TensorSource(orderedTensors: tensors, label: "B"),
            structure: fixture.structure)
        #expect(!certificate.holds)
        #expect(certificate.violationCount == 1)
        #expect(certificate.firstViolation?.entry.tensor == "2.weight")
        #expect(certificate.firstViolation?.entry.index == [2, column])
        #expect(certificate.firstViolation?.entry.unit == "fc2:2")
    }
}
