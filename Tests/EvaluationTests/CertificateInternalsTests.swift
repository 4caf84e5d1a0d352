import Foundation
import Network
import Rescaling
import Testing
import TestSupport
import WeightFiles
@testable import Evaluation

/// The pieces of the certificate: ratios, votes, dtype rounding, the role
/// walk, and the entry point `balance` calls before writing.
@Suite struct CertificateInternalsTests {
    @Test("log2 of a ratio: exact for powers of two, nil for unusable pairs")
    func log2Ratio() {
        #expect(ScaleRecovery.log2Ratio(0.375, 0.046875) == 3)
        #expect(ScaleRecovery.log2Ratio(-0.25, -2) == -3)
        #expect(abs((ScaleRecovery.log2Ratio(3, 1) ?? 0) - 1.584962500721156) < 1e-15)
        #expect(ScaleRecovery.log2Ratio(1, -1) == nil)
        #expect(ScaleRecovery.log2Ratio(0, 1) == nil)
        #expect(ScaleRecovery.log2Ratio(1, 0) == nil)
        #expect(ScaleRecovery.log2Ratio(.infinity, 1) == nil)
        #expect(!ScaleRecovery.isUsable(2, -1) && ScaleRecovery.isUsable(-2, -1))
    }

    @Test("votes keep the three largest |A| and take their median")
    func votes() {
        var votes = Votes()
        #expect(votes.estimate == nil)
        votes.offer(Vote(a: 0.5, b: 1, base: 0, sign: 1))        // z = 1
        #expect(votes.estimate == 1)
        votes.offer(Vote(a: 4, b: 32, base: 0, sign: 1))         // z = 3, largest
        #expect(votes.estimate == 3, "two votes: the largest |A| decides")
        votes.offer(Vote(a: 2, b: 4, base: 0, sign: 1))          // z = 1
        votes.offer(Vote(a: 0.1, b: 100, base: 0, sign: 1))      // smallest: dropped
        #expect(votes.count == 3)
        #expect(votes.estimate == 1, "median of 3, 1, 1")
        var consumer = Votes()
        consumer.offer(Vote(a: 1, b: 0.25, base: 1, sign: -1))   // z = 1 − (−2) = 3
        #expect(consumer.estimate == 3)
    }

    @Test("rounding to a dtype matches what Tensor.setValues stores", arguments: [DType.float16, .bfloat16, .float32, .float64])
    func dtypeRounding(dtype: DType) throws {
        var generator = ProbeGenerator(seed: 17)
        let values = (0..<200).map { _ in generator.next() * 1000 } + [1e-42, 70000, -3e39, 0x1p-20]
        let tensor = try Tensor(name: "t", dtype: dtype, shape: [values.count], values: values)
        let stored = tensor.doubles()
        for (value, expected) in zip(values, stored) {
            let rounded = DTypeRounding.round(value, to: dtype)
            #expect(rounded == expected || (rounded.isNaN && expected.isNaN), "\(value) as \(dtype)")
        }
    }

    @Test("the role walk visits every element once with its out and in groups")
    func roleWalk() {
        // Keras conv kernel (kh 2, kw 1, in/g 2, out 4) with 2 groups: out unit o reads block o / 2.
        let role = ParameterRole(tensor: "k", node: "conv", kind: .weight, shape: [2, 1, 2, 4], outAxis: 3,
                                 outGroups: [0, 1, 2, 3], inAxis: 2, inGroups: [10, 11, 12, 13], inBlocks: 2)
        var visited: [(Int, Int, Int, Int)] = []
        RoleGeometry(role).forEach { visited.append(($0, $1, $2, $3)) }
        #expect(visited.map(\.0) == Array(0..<16))
        for (index, o, outGroup, inGroup) in visited {
            let i = (index / 4) % 2
            #expect(o == index % 4 && outGroup == o)
            #expect(inGroup == (o < 2 ? [10, 11] : [12, 13])[i])
        }
        #expect(RoleGeometry(role).coordinates(of: 13) == [1, 0, 1, 1])
        #expect(RoleGeometry.validate(role, groupCount: 14) == nil)
        #expect(RoleGeometry.validate(role, groupCount: 12) != nil)
    }

    @Test("segments cover the role walk: same elements, units and in groups, in C order",
          arguments: CertificateReferenceTests.syntheticRoles + [
              ParameterRole(tensor: "w", node: "fc", kind: .weight, shape: [5, 7], outAxis: 0, outGroups: [0, 1, 2, 3, 4],
                            inAxis: 1, inGroups: [5, 6, 7, 8, 9, 10, 11]),
              ParameterRole(tensor: "k", node: "fc", kind: .weight, shape: [7, 5], outAxis: 1, outGroups: [0, 1, 2, 3, 4],
                            inAxis: 0, inGroups: [5, 6, 7, 8, 9, 10, 11]),
              ParameterRole(tensor: "e", node: "fc", kind: .weight, shape: [0, 3], outAxis: 1, outGroups: [0, 1, 2],
                            inAxis: 0, inGroups: []),
              ParameterRole(tensor: "s", node: "fc", kind: .bias, shape: [], outAxis: 0, outGroups: [0],
                            inAxis: nil, inGroups: []),
          ])
    func segmentsCoverTheWalk(role: ParameterRole) {
        let geometry = RoleGeometry(role)
        var walk: [[Int]] = []
        geometry.forEach { walk.append([$0, $1, $2, $3]) }
        var segments: [[Int]] = []
        geometry.forEachSegment { s in
            var index = s.start
            for step in 0..<s.steps {
                let o = s.out + s.outStep * step, slot = s.slot + s.slotStep * step
                #expect(slot >= 0 && slot < geometry.slotCount)
                for _ in 0..<s.inner {
                    segments.append([index, o, role.outGroups[o], role.inAxis == nil ? -1 : role.inGroups[slot]])
                    index += 1
                }
            }
        }
        #expect(segments == walk, "\(role.tensor)")
        #expect(walk.map { $0[0] } == Array(0..<geometry.count))
    }

    @Test("verifyEquivalence over a file and its replacement tensors, as balance calls it")
    func verifyBeforeWriting() throws {
        let url = Fixtures.url("torch_cnn/model.safetensors")
        let file = try WeightFileOpener.open(url)
        let network = try NetworkLoader.load(file: file, spec: Fixtures.url("torch_cnn/spec.yaml")).network
        let structure = try rescalingStructure(of: network, file: file)
        let z = structure.groups.indices.map { Double($0 % 5) - 2 }
        let replacements = try structure.parameters.map { try file.read($0.tensor).rescaled(by: z, as: $0) }
        let report = try verifyEquivalence(original: file, replacements: replacements, network: network,
                                           structure: structure)
        #expect(report.equivalent && report.certificate.exact)
        #expect(report.outputs?.bitIdentical == true)
        #expect(report.certificate.scalesLog2 == z)

        var broken = replacements
        let position = try #require(broken.firstIndex { $0.name == "4.weight" })
        var values = broken[position].doubles()
        values[7] = values[7] * 1.01 + 0.01
        broken[position].setValues(values)
        let failing = try verifyEquivalence(original: file, replacements: broken, network: network, structure: structure,
                                            probes: nil)
        #expect(!failing.equivalent)
        #expect(failing.outputs == nil)
        #expect(failing.certificate.firstViolation?.entry.tensor == "4.weight")
        #expect(failing.certificate.firstViolation?.entry.index == [0, 0, 2, 1])
        #expect(failing.certificate.firstViolation?.entry.unit == "conv2:0")
    }
}
