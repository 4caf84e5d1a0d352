import Foundation
import Network
import Rescaling
import Testing
import WeightFiles
@testable import Evaluation

/// The in-place certificate against the previous whole-array one
/// (`ReferenceCertifier`): over every fixture network, in each float dtype,
/// for rescalings that hold and for the ways a pair breaks, both must give
/// the same certificate field for field (scales, worst entry, first
/// violation and its message, violation count).
@Suite struct CertificateReferenceTests {
    /// Fixture networks and the dtypes their float tensors are converted to.
    static let cases: [(String, DType)] = CertificateCase.names.flatMap { name in
        [DType.float32, .float64, .float16, .bfloat16].map { (name, $0) }
    }

    @Test("the in-place certificate equals the whole-array one", arguments: cases)
    func sameCertificate(name: String, dtype: DType) throws {
        let fixture = try CertificateCase(name)
        let original = try fixture.tensors.map { try $0.converted(to: dtype) }
        var compared = 0
        for scenario in Scenario.allCases {
            guard let (tensorsA, tensorsB) = try scenario.pair(fixture: fixture, original: original) else { continue }
            var structure = fixture.structure
            if scenario == .rolesReversed { structure.parameters.reverse() }
            let a = TensorSource(orderedTensors: tensorsA, label: "\(name) A")
            let b = TensorSource(orderedTensors: tensorsB, label: "\(name) B")
            for tolerance in [EquivalenceCertifier.defaultTolerance, 1e-2] {
                let expected = try ReferenceCertifier.certify(original: a, candidate: b, structure: structure,
                                                              tolerance: tolerance)
                let actual = try EquivalenceCertifier.certify(original: a, candidate: b, structure: structure,
                                                              tolerance: tolerance)
                // Descriptions compare NaN and −0 too (== would not).
                #expect(String(describing: actual) == String(describing: expected),
                        "\(name) \(dtype) \(scenario) tolerance \(tolerance)")
            }
            compared += 1
        }
        #expect(compared >= 10, "\(name) \(dtype): \(compared) scenarios apply")
    }
}

extension CertificateReferenceTests {
    /// Roles of every layout the walk distinguishes, wired in a chain: a
    /// Keras conv kernel with 2 groups (in axis before out axis) and its
    /// bias, a grouped Keras conv reading it, a grouped PyTorch conv, a
    /// PyTorch dense layer with a middle axis, and a one-element bias.
    static let syntheticRoles: [ParameterRole] = [
        ParameterRole(tensor: "k1", node: "c1", kind: .weight, shape: [3, 2, 2, 4], outAxis: 3, outGroups: [0, 1, 2, 3],
                      inAxis: 2, inGroups: [-1, -1, -1, -1], inBlocks: 2),
        ParameterRole(tensor: "b1", node: "c1", kind: .bias, shape: [4], outAxis: 0, outGroups: [0, 1, 2, 3],
                      inAxis: nil, inGroups: []),
        ParameterRole(tensor: "k2", node: "c2", kind: .weight, shape: [2, 3, 2, 6], outAxis: 3,
                      outGroups: [4, 5, 6, 7, 8, 9], inAxis: 2, inGroups: [0, 1, 2, 3], inBlocks: 2),
        ParameterRole(tensor: "t3", node: "c3", kind: .weight, shape: [6, 3, 2, 2], outAxis: 0,
                      outGroups: [10, 11, 12, 13, 14, 15], inAxis: 1, inGroups: [4, 5, 6, 7, 8, 9], inBlocks: 2),
        ParameterRole(tensor: "d4", node: "d4", kind: .weight, shape: [3, 2, 6], outAxis: 0, outGroups: [16, -1, 17],
                      inAxis: 2, inGroups: [10, 11, 12, 13, 14, 15]),
        ParameterRole(tensor: "s5", node: "s5", kind: .bias, shape: [1], outAxis: 0, outGroups: [16],
                      inAxis: nil, inGroups: []),
    ]

    @Test("grouped and strided layouts: the in-place certificate equals the whole-array one",
          arguments: [DType.float32, .float64, .float16])
    func sameCertificateOnSyntheticRoles(dtype: DType) throws {
        let roles = Self.syntheticRoles
        let groups = (0..<18).map { RescalingGroup(id: $0, units: ["u\($0)"]) }
        let structure = RescalingStructure(groups: groups, parameters: roles, blocked: [])
        for role in roles { #expect(RoleGeometry.validate(role, groupCount: groups.count) == nil, "\(role.tensor)") }
        var generator = ProbeGenerator(seed: 23)
        let original = try roles.map { role in
            try Tensor(name: role.tensor, dtype: dtype, shape: role.shape,
                       values: (0..<role.shape.reduce(1, *)).map { _ in generator.next() })
        }
        let exact = groups.map { _ in (3.5 * generator.next()).rounded(.down) }
        let continuous = groups.map { _ in 2 * generator.next() }
        func moved(_ z: [Double]) -> [Tensor] { zip(original, roles).map { $0.rescaled(by: z, as: $1) } }
        var cases: [(String, [Tensor])] = [("exact", moved(exact)), ("continuous", moved(continuous))]
        for (label, z) in [("exact", exact), ("continuous", continuous)] {
            for position in original.indices where original[position].elementCount > 1 {
                for element in [0, original[position].elementCount / 2, original[position].elementCount - 1] {
                    var tensors = moved(z)
                    var values = tensors[position].doubles()
                    values[element] += 0.05
                    tensors[position].setValues(values)
                    cases.append(("\(label), \(roles[position].tensor)[\(element)] off", tensors))
                }
            }
        }
        // float16 moved by real scales is only within 2^-11 of the product.
        let tolerance = dtype == .float16 ? 0x1p-9 : EquivalenceCertifier.defaultTolerance
        let a = TensorSource(orderedTensors: original, label: "A")
        for (label, candidate) in cases {
            let b = TensorSource(orderedTensors: candidate, label: "B")
            let expected = try ReferenceCertifier.certify(original: a, candidate: b, structure: structure,
                                                          tolerance: tolerance)
            let actual = try EquivalenceCertifier.certify(original: a, candidate: b, structure: structure,
                                                          tolerance: tolerance)
            #expect(String(describing: actual) == String(describing: expected), "\(dtype) \(label)")
            #expect(actual.holds == !label.contains("off"), "\(dtype) \(label)")
        }
    }
}

/// How B is made from A.
enum Scenario: CaseIterable {
    /// Power-of-two scales.
    case exact
    /// Real scales.
    case continuous
    /// Integer scales on the first node's groups, real elsewhere, and one
    /// element of the first node slightly off: tensors checked early in
    /// exact mode must be checked again.
    case integralFirstNode
    /// Power-of-two scales, then one element of a moved weight off by a
    /// small relative amount.
    case exactOneElementOff
    /// Real scales, one element off by 1e-3 (beyond the tolerance).
    case continuousOneElementOff
    /// Power-of-two scales, several elements of one tensor changed.
    case exactManyElementsOff
    /// One produced unit all zero in A and B (its group is recovered from its
    /// consumers, or stays undetermined).
    case deadUnit
    /// A scale of 2^200 on one group: the moved weights overflow.
    case overflow
    /// A scale of 2^-140 on one group: the moved weights become subnormal.
    case subnormal
    /// Unit 0 of the first node's weight sign-flipped.
    case signFlip
    /// A NaN and an infinity in A, moved as usual.
    case nonFinite
    /// A tensor outside every group changed (when the network has one).
    case unchangedTensorChanged
    /// B stores one role tensor in another dtype.
    case otherDType
    /// B lacks one tensor.
    case missingTensor
    /// Power-of-two scales, the roles listed in reverse (several sweeps).
    case rolesReversed

    /// A's and B's tensors (A is `original` unless the scenario changes it),
    /// or nil when the scenario does not apply to this network.
    func pair(fixture: CertificateCase, original: [Tensor]) throws -> (a: [Tensor], b: [Tensor])? {
        try candidate(fixture: fixture, original: original)
    }

    private func candidate(fixture: CertificateCase, original: [Tensor]) throws -> (a: [Tensor], b: [Tensor])? {
        let structure = fixture.structure
        let roles = Dictionary(structure.parameters.map { ($0.tensor, $0) }, uniquingKeysWith: { a, _ in a })
        func moved(_ tensors: [Tensor], by z: [Double]) -> [Tensor] {
            tensors.map { tensor in roles[tensor.name].map { tensor.rescaled(by: z, as: $0) } ?? tensor }
        }
        let integral = fixture.scales(seed: 7, integral: true)
        // A moved weight (produces or consumes a group).
        let weight = structure.parameters.first { role in
            role.kind == .weight && (role.outGroups + role.inGroups).contains { $0 >= 0 }
        }
        switch self {
        case .exact, .rolesReversed:
            return (original, moved(original, by: integral))
        case .continuous:
            return (original, moved(original, by: fixture.scales(seed: 11, integral: false)))
        case .integralFirstNode:
            guard let first = structure.parameters.first else { return nil }
            let firstGroups = Set(structure.parameters.filter { $0.node == first.node }.flatMap(\.outGroups))
            var z = fixture.scales(seed: 11, integral: false)
            for group in z.indices where firstGroups.contains(group) { z[group] = integral[group] }
            // One element of the first node a few units of rounding off: a
            // violation in exact mode, within the tolerance otherwise.
            var tensors = moved(original, by: z)
            let position = try #require(tensors.firstIndex { $0.name == first.tensor })
            var values = tensors[position].doubles()
            values[values.count / 2] *= 1 + 0x1p-20
            tensors[position].setValues(values)
            return (original, tensors)
        case .exactOneElementOff, .continuousOneElementOff, .exactManyElementsOff:
            guard let weight else { return nil }
            let z = self == .continuousOneElementOff ? fixture.scales(seed: 11, integral: false) : integral
            var tensors = moved(original, by: z)
            let position = try #require(tensors.firstIndex { $0.name == weight.tensor })
            var values = tensors[position].doubles()
            switch self {
            case .exactOneElementOff: values[values.count / 3] *= 1 + 0x1p-6
            case .continuousOneElementOff: values[values.count / 2] += 1e-3
            default: for i in stride(from: 1, to: values.count, by: 3) { values[i] *= 1.25 }
            }
            tensors[position].setValues(values)
            return (original, tensors)
        case .deadUnit:
            guard let first = structure.parameters.first(where: { $0.kind == .weight }),
                  let group = first.outGroups.first(where: { $0 >= 0 }),
                  let unit = first.outGroups.firstIndex(of: group) else { return nil }
            // Zero every element producing `unit` of the first node, in A.
            var dead = original
            for role in structure.parameters where role.node == first.node {
                guard let position = dead.firstIndex(where: { $0.name == role.tensor }) else { continue }
                var values = dead[position].doubles()
                let geometry = RoleGeometry(role)
                geometry.forEach { index, o, _, _ in if o == unit { values[index] = 0 } }
                dead[position].setValues(values)
            }
            return (dead, moved(dead, by: integral))
        case .overflow, .subnormal:
            guard let weight, let group = weight.outGroups.first(where: { $0 >= 0 }) else { return nil }
            var z = integral
            z[group] = self == .overflow ? 200 : -140
            return (original, moved(original, by: z))
        case .signFlip:
            guard let weight, let unit = weight.outGroups.firstIndex(where: { $0 >= 0 }) else { return nil }
            var tensors = moved(original, by: integral)
            let position = try #require(tensors.firstIndex { $0.name == weight.tensor })
            var values = tensors[position].doubles()
            RoleGeometry(weight).forEach { index, o, _, _ in if o == unit { values[index] = -values[index] } }
            tensors[position].setValues(values)
            return (original, tensors)
        case .nonFinite:
            guard let weight else { return nil }
            var broken = original
            let position = try #require(broken.firstIndex { $0.name == weight.tensor })
            var values = broken[position].doubles()
            guard values.count >= 4 else { return nil }
            values[1] = .nan
            values[values.count - 2] = -.infinity
            broken[position].setValues(values)
            return (broken, moved(broken, by: integral))
        case .unchangedTensorChanged:
            guard let position = original.firstIndex(where: { roles[$0.name] == nil && $0.elementCount > 0 }) else {
                return nil
            }
            var tensors = moved(original, by: integral)
            var values = tensors[position].doubles()
            values[values.count - 1] += 3
            tensors[position].setValues(values)
            return (original, tensors)
        case .otherDType:
            guard let weight else { return nil }
            var tensors = moved(original, by: integral)
            let position = try #require(tensors.firstIndex { $0.name == weight.tensor })
            let other: DType = tensors[position].dtype == .float64 ? .float32 : .float64
            tensors[position] = try tensors[position].converted(to: other)
            return (original, tensors)
        case .missingTensor:
            guard let weight else { return nil }
            return (original, moved(original, by: integral).filter { $0.name != weight.tensor })
        }
    }
}

extension Tensor {
    /// This tensor with its float values converted to `dtype` (rounded);
    /// integer and boolean tensors unchanged.
    func converted(to target: DType) throws -> Tensor {
        guard dtype.isFloatingPoint, dtype != target else { return self }
        return try Tensor(name: name, dtype: target, shape: shape, values: doubles())
    }
}
