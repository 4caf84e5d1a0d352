import Foundation
import Network
import Rescaling
import Testing
import WeightFiles
@testable import Evaluation

/// Exact mode over every float dtype, read in place: one bit off is caught
/// at its element, and a power-of-two move that overflows the dtype is
/// named as an overflow.
@Suite struct CertificateDTypeTests {
    @Test("exact mode: one bit off in one element is a violation there", arguments: [
        DType.float32, .float64, .float16, .bfloat16,
    ])
    func oneBitOff(dtype: DType) throws {
        let fixture = try CertificateCase("torch_mlp")
        let original = try fixture.tensors.map { try $0.converted(to: dtype) }
        let z = fixture.scales(seed: 7, integral: true)
        let roles = Dictionary(fixture.structure.parameters.map { ($0.tensor, $0) }, uniquingKeysWith: { a, _ in a })
        var moved = original.map { tensor in roles[tensor.name].map { tensor.rescaled(by: z, as: $0) } ?? tensor }
        let exact = try EquivalenceCertifier.certify(
            original: TensorSource(orderedTensors: original, label: "A"),
            candidate: TensorSource(orderedTensors: moved, label: "B"), structure: fixture.structure)
        #expect(exact.holds && exact.exact)

        // 2.weight is (6, 8): element [3, 5], its lowest bit flipped in B.
        let position = try #require(moved.firstIndex { $0.name == "2.weight" })
        let width = dtype.byteCount, element = 3 * 8 + 5
        moved[position].bytes[element * width] ^= 1
        let flipped = moved[position].doubles()[element]
        let certificate = try EquivalenceCertifier.certify(
            original: TensorSource(orderedTensors: original, label: "A"),
            candidate: TensorSource(orderedTensors: moved, label: "B"), structure: fixture.structure)
        #expect(!certificate.holds && !certificate.exact)
        #expect(certificate.violationCount == 1)
        let violation = try #require(certificate.firstViolation)
        #expect(violation.entry.tensor == "2.weight")
        #expect(violation.entry.index == [3, 5])
        #expect(violation.entry.unit == "fc2:3")
        #expect(violation.actual == flipped)
        #expect(violation.reason.contains("power-of-two scales gives exactly"))
        #expect(certificate.scalesLog2 == exact.scalesLog2, "one element cannot move the recovered scales")
    }

    @Test("exact mode: a move that overflows the dtype is reported as an overflow", arguments: [
        DType.float16, .float32, .bfloat16,
    ])
    func overflowIsNamed(dtype: DType) throws {
        let fixture = try CertificateCase("torch_mlp")
        let original = try fixture.tensors.map { try $0.converted(to: dtype) }
        // Unit 2 of fc1 (row 2 of 0.weight, shape (8, 4)): scale it so its
        // largest |A| overflows while entries below half of it do not.
        let role = try #require(fixture.structure.parameters.first { $0.tensor == "0.weight" })
        let group = role.outGroups[2]
        let weight = try #require(original.first { $0.name == "0.weight" }).doubles()
        let row = Array(weight[8..<12])
        let largest = try #require(row.map(abs).max())
        #expect(row.contains { abs($0) < largest / 2 && $0 != 0 }, "the row needs entries that do not overflow")
        let maximum = try #require(dtype.normalRange).max
        var z = [Double](repeating: 0, count: fixture.structure.groups.count)
        z[group] = (Foundation.log2(maximum / largest)).rounded(.down) + 1
        let roles = Dictionary(fixture.structure.parameters.map { ($0.tensor, $0) }, uniquingKeysWith: { a, _ in a })
        let moved = original.map { tensor in roles[tensor.name].map { tensor.rescaled(by: z, as: $0) } ?? tensor }

        let certificate = try EquivalenceCertifier.certify(
            original: TensorSource(orderedTensors: original, label: "A"),
            candidate: TensorSource(orderedTensors: moved, label: "B"), structure: fixture.structure)
        #expect(!certificate.holds && !certificate.exact)
        #expect(certificate.scalesLog2[group] == z[group], "recovered from the entries that did not overflow")
        // The first element of unit 2 in A's tensor order (0.bias[2], or a
        // column of row 2 of 0.weight) that the move takes past the maximum.
        let factor = Foundation.exp2(z[group])
        let overflowing = original.compactMap { tensor -> (String, [Int])? in
            switch tensor.name {
            case "0.bias": return abs(tensor.doubles()[2]) * factor > maximum ? ("0.bias", [2]) : nil
            case "0.weight": return row.firstIndex { abs($0) * factor > maximum }.map { ("0.weight", [2, $0]) }
            default: return nil
            }
        }
        let expected = try #require(overflowing.first)
        let violation = try #require(certificate.firstViolation)
        #expect(violation.entry.tensor == expected.0)
        #expect(violation.entry.index == expected.1)
        #expect(violation.entry.unit == "fc1:2")
        #expect(violation.actual?.isInfinite == true)
        #expect(violation.reason.contains("overflows \(dtype.numpyName)"))
    }
}
