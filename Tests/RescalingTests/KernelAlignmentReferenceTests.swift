import Foundation
import Network
import Testing
import WeightFiles
@testable import Rescaling

/// fulcrum against the reference implementation of "Path-conditioned
/// training" (github.com/Artim436/pathcond), on the MLP of
/// fixtures/reference/pathcond_mlp.json made by
/// fixtures/make_pathcond_reference.py.
///
/// Conversions: the reference's natural-log unit scales are Z = 2·ln2·z
/// (our log2 z), its per-parameter BZ = Z[unit the parameter leaves] −
/// Z[unit it enters] = 2·ln2·(z[in] − z[out]), and it multiplies
/// parameters by e^(−BZ/2) = 2^(z[out] − z[in]), as Tensor.rescaled does.
@Suite struct KernelAlignmentReferenceTests {
    static let ln4 = 2 * M_LN2

    struct Loaded {
        var fixture: ReferenceFixture
        var network: Network
        var tensors: [String: Tensor]
        var order: [String]
        var structure: RescalingStructure
        /// The reference's diag G, as a diagonal of ours.
        var referenceDiagonal: PathKernelDiagonal
    }

    static func load() throws -> Loaded {
        let fixture = try ReferenceFixture("pathcond_mlp.json")
        let (order, tensors) = try fixture.tensors()
        var b = NetworkBuilder()
        b.tensors = tensors
        b.add("fc1", .linear(weight: "0.weight", bias: "0.bias")); b.add("relu1", .activation(.relu))
        b.add("fc2", .linear(weight: "2.weight", bias: "2.bias")); b.add("relu2", .activation(.relu))
        b.add("fc3", .linear(weight: "4.weight", bias: "4.bias"))
        let inputShape = try #require(fixture.json["input_shape"] as? [Int])
        let network = b.network(layout: .torch, inputShape: inputShape)

        // Groups in the reference's column order: fc1's 8 units, then fc2's 5.
        let units = try #require(fixture.json["hidden_units"] as? [String])
        let groups = units.enumerated().map { RescalingGroup(id: $0.offset, units: [$0.element]) }
        let first = Array(0..<8), second = Array(8..<13)
        let roles = [
            ParameterRole(tensor: "0.weight", node: "fc1", kind: .weight, shape: [8, 6], outAxis: 0, outGroups: first,
                          inAxis: 1, inGroups: [Int](repeating: -1, count: 6)),
            ParameterRole(tensor: "0.bias", node: "fc1", kind: .bias, shape: [8], outAxis: 0, outGroups: first, inAxis: nil, inGroups: []),
            ParameterRole(tensor: "2.weight", node: "fc2", kind: .weight, shape: [5, 8], outAxis: 0, outGroups: second,
                          inAxis: 1, inGroups: first),
            ParameterRole(tensor: "2.bias", node: "fc2", kind: .bias, shape: [5], outAxis: 0, outGroups: second, inAxis: nil, inGroups: []),
            ParameterRole(tensor: "4.weight", node: "fc3", kind: .weight, shape: [3, 5], outAxis: 0,
                          outGroups: [-1, -1, -1], inAxis: 1, inGroups: second),
        ]
        let structure = RescalingStructure(groups: groups, parameters: roles, blocked: [])
        let g = try ReferenceFixture.split(try ReferenceFixture.doubles(fixture.json["diag_g"]), order: order, tensors: tensors)
        let diagonal = PathKernelDiagonal(inputShape: inputShape, tensorOrder: order, values: g,
                                          shapes: tensors.mapValues(\.shape), notes: [])
        return Loaded(fixture: fixture, network: network, tensors: tensors, order: order, structure: structure,
                      referenceDiagonal: diagonal)
    }

    /// Our BZ per parameter, in the reference's units and parameter order.
    static func bz(_ z: [Double], _ loaded: Loaded) -> [Double] {
        var result: [Double] = []
        let roles = Dictionary(uniqueKeysWithValues: loaded.structure.parameters.map { ($0.tensor, $0) })
        for name in loaded.order {
            guard let role = roles[name] else {
                result += [Double](repeating: 0, count: loaded.tensors[name]!.elementCount); continue
            }
            var values = [Double](repeating: 0, count: loaded.tensors[name]!.elementCount)
            role.forEachElement { index, out, input in
                values[index] = ln4 * ((input >= 0 ? z[input] : 0) - (out >= 0 ? z[out] : 0))
            }
            result += values
        }
        return result
    }

    static func expectClose(_ mine: [Double], _ theirs: [Double], tolerance: Double, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(mine.count == theirs.count, "\(what): lengths", sourceLocation: sourceLocation)
        let worst = zip(mine, theirs).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= tolerance, "\(what): difference \(worst)", sourceLocation: sourceLocation)
    }

    @Test func diagonalMatchesComputeDiagG() throws {
        let loaded = try Self.load()
        let ours = try pathKernelDiagonal(network: loaded.network, tensors: loaded.tensors)
        #expect(ours.tensorOrder == loaded.order)
        expectDiagonalsMatch(ours.values, loaded.referenceDiagonal.values, tolerance: 1e-6)
    }

    /// On the reference's own diag G, our plain sweeps are its sweeps: the
    /// same group order, the same quadratic, so Z, BZ and the criterion
    /// agree after every one of the first 12 sweeps.
    @Test func sweepsMatchUpdateZPolynomialSweepBySweep() throws {
        let loaded = try Self.load()
        let sweeps = try #require(loaded.fixture.json["sweeps"] as? [[String: Any]])
        let initial = try #require(loaded.fixture.json["criterion_initial"] as? Double)
        let full = try alignKernel(diagonal: loaded.referenceDiagonal, structure: loaded.structure,
                                   options: AlignmentOptions(tolerance: 0, maxSweeps: sweeps.count, exact: false,
                                                             overRelaxation: false))
        #expect(abs(full.criterionBefore - initial) <= 1e-12 * initial)
        #expect(full.history.count == sweeps.count)
        for (k, sweep) in sweeps.enumerated() {
            let iterations = try #require(sweep["iterations"] as? Int)
            let result = try alignKernel(diagonal: loaded.referenceDiagonal, structure: loaded.structure,
                                         options: AlignmentOptions(tolerance: 0, maxSweeps: iterations, exact: false,
                                                                   overRelaxation: false))
            #expect(result.sweeps == iterations)
            let criterion = try #require(sweep["criterion"] as? Double)
            #expect(abs(result.criterionAfter - criterion) <= 1e-9 * criterion, "sweep \(iterations)")
            #expect(abs(full.history[k] - criterion) <= 1e-9 * criterion, "history[\(k)]")
            Self.expectClose(result.z.map { $0 * Self.ln4 }, try ReferenceFixture.doubles(sweep["z"]), tolerance: 1e-9,
                             "Z after \(iterations) sweeps")
            Self.expectClose(Self.bz(result.z, loaded), try ReferenceFixture.doubles(sweep["bz"]), tolerance: 1e-9,
                             "BZ after \(iterations) sweeps")
        }
    }

    /// Run to convergence (over-relaxed, the default), on the reference's
    /// diagonal and on ours: the same optimum.
    @Test func convergedSolutionMatchesTheReference() throws {
        let loaded = try Self.load()
        let converged = try #require(loaded.fixture.json["converged"] as? [String: Any])
        let criterion = try #require(converged["criterion"] as? Double)
        let referenceZ = try ReferenceFixture.doubles(converged["z"])
        let options = AlignmentOptions(tolerance: 1e-12, maxSweeps: 1000, exact: false)

        let onTheirs = try alignKernel(diagonal: loaded.referenceDiagonal, structure: loaded.structure, options: options)
        #expect(onTheirs.converged)
        #expect(abs(onTheirs.criterionAfter - criterion) <= 1e-10 * criterion)
        Self.expectClose(onTheirs.z.map { $0 * Self.ln4 }, referenceZ, tolerance: 1e-8, "converged Z")

        // From our own diagonal (float64 path kernel vs. their float32): the
        // same answer to the precision of their diagonal.
        let initial = try #require(loaded.fixture.json["criterion_initial"] as? Double)
        let onOurs = try alignKernel(network: loaded.network, tensors: loaded.tensors, structure: loaded.structure,
                                     options: options)
        #expect(abs(onOurs.criterionBefore - initial) <= 1e-6 * initial)
        #expect(abs(onOurs.criterionAfter - criterion) <= 1e-6 * criterion)
        Self.expectClose(onOurs.z.map { $0 * Self.ln4 }, referenceZ, tolerance: 1e-5, "converged Z from our diagonal")
    }

    /// Exact mode on the fixture: integer log2 scales, no worse than the
    /// start, and within reach of the continuous optimum.
    @Test func exactModeOnTheFixture() throws {
        let loaded = try Self.load()
        let result = try alignKernel(network: loaded.network, tensors: loaded.tensors, structure: loaded.structure)
        #expect(result.exact)
        #expect(result.z.allSatisfy { $0 == $0.rounded() })
        #expect(result.criterionAfter <= result.criterionBefore)
        #expect(result.criterionAfter >= result.continuousCriterion)
        let rounded = try #require(result.roundedCriterion)
        #expect(result.criterionAfter <= rounded)
    }
}
