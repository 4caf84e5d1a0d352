import Foundation
import Network
import Testing
@testable import Rescaling

/// The regrouped kernel-alignment solver (dense link blocks, per-group
/// factors, runs of unlinked groups, parallel passes) against the
/// element-by-element reference `NaiveAlignment`.
@Suite struct KernelAlignmentLinksTests {
    static let plain = AlignmentOptions(tolerance: 0, maxSweeps: 8, exact: false, overRelaxation: false)

    static func relative(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

    /// Wide enough that every run, every pass over the links and the
    /// logarithms go parallel (more than 2^18 multiply-adds each).
    static func wideMLP(seed: UInt64) -> (PathKernelDiagonal, RescalingStructure) {
        let (roles, groups) = mlpRoles([16, 512, 512, 512, 8])
        return (syntheticDiagonal(roles: roles, seed: seed), RescalingStructure(groups: groups, parameters: roles, blocked: []))
    }

    static func mixed(seed: UInt64) -> (PathKernelDiagonal, RescalingStructure) {
        let structure = mixedStructure()
        var diagonal = syntheticDiagonal(roles: structure.parameters, extra: [("unscaled", [5])], seed: seed)
        // Group 12 keeps no element: zero its column of "dense" and of "last".
        for i in 0..<12 { diagonal.values["dense"]![i * 3 + 2] = 0 }
        diagonal.values["last"]![2] = 0
        diagonal.values["last"]![5] = 0
        return (diagonal, structure)
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func criterionMatchesElementByElement(_ seed: UInt64) throws {
        for (diagonal, structure) in [Self.mixed(seed: seed), Self.wideMLP(seed: seed)] {
            let naive = NaiveAlignment(diagonal: diagonal, structure: structure)
            var rng = SeededGenerator(seed: seed + 100)
            for spread in [0.0, 1, 20] {
                let z = (0..<structure.groups.count).map { _ in Double.random(in: -spread...spread, using: &rng) }
                let mine = try kernelAlignmentCriterion(diagonal: diagonal, structure: structure, z: z)
                let theirs = naive.criterion(z)
                #expect(Self.relative(mine, theirs) <= 1e-12, "z spread \(spread): \(mine) vs \(theirs)")
            }
        }
    }

    @Test func elementsAreCountedAndLeftOutAsTheyShouldBe() throws {
        let (diagonal, structure) = Self.mixed(seed: 4)
        let problem = try KernelAlignmentProblem(diagonal: diagonal, structure: structure)
        let naive = NaiveAlignment(diagonal: diagonal, structure: structure)
        #expect(problem.count == naive.g.count)
        #expect(problem.count + problem.zeroEntries == diagonal.parameterCount)
        #expect(Self.relative(problem.logDiagonalSum, naive.g.reduce(0) { $0 + log($1) }) <= 1e-13)
        for h in 0..<structure.groups.count {
            #expect(problem.links.producerCount[h] == naive.producersOf[h].count, "group \(h)")
            #expect(problem.links.consumerCount[h] == naive.consumersOf[h].count, "group \(h)")
        }
        #expect(problem.links.producerCount[12] + problem.links.consumerCount[12] == 0)
        // Frozen group 7 and empty group 12 are not updated.
        #expect(!problem.schedule.order.contains(7) && !problem.schedule.order.contains(12))
    }

    /// Plain sweeps from z = 0: after every sweep the same F and z as the
    /// element-by-element Gauss–Seidel sweep, up to summation order.
    @Test(arguments: [UInt64(5), 6])
    func plainSweepsMatchElementByElementSweeps(_ seed: UInt64) throws {
        for (diagonal, structure) in [Self.mixed(seed: seed), Self.wideMLP(seed: seed)] {
            let reference = NaiveAlignment(diagonal: diagonal, structure: structure).sweeps(Self.plain.maxSweeps)
            let result = try alignKernel(diagonal: diagonal, structure: structure, options: Self.plain)
            #expect(result.history.count == reference.history.count)
            for (k, (mine, theirs)) in zip(result.history, reference.history).enumerated() {
                #expect(Self.relative(mine, theirs) <= 1e-11, "sweep \(k + 1): \(mine) vs \(theirs)")
            }
            let worst = zip(result.z, reference.z).map { abs($0 - $1) }.max() ?? 0
            #expect(worst <= 1e-9, "z differs by \(worst)")
        }
    }

    /// No two groups of a run are linked, runs keep id order and cover
    /// exactly the groups a sweep updates; an MLP's runs are its layers.
    @Test func runsHoldOnlyUnlinkedGroups() throws {
        let (diagonal, structure) = Self.mixed(seed: 7)
        let problem = try KernelAlignmentProblem(diagonal: diagonal, structure: structure)
        let naive = NaiveAlignment(diagonal: diagonal, structure: structure)
        let schedule = problem.schedule
        let expectedOrder = (0..<13).filter { $0 != 7 && $0 != 12 }
        #expect(schedule.order.map(Int.init) == expectedOrder)
        for k in 0..<schedule.runCount {
            let run = schedule.order[schedule.runStart[k]..<schedule.runStart[k + 1]].map(Int.init)
            for a in run { for b in run where a < b { #expect(!naive.links(a, b), "run \(run) links \(a) and \(b)") } }
        }

        let (mlpDiagonal, mlpStructure) = Self.wideMLP(seed: 7)
        let mlp = try KernelAlignmentProblem(diagonal: mlpDiagonal, structure: mlpStructure)
        #expect(mlp.schedule.runStart == [0, 512, 1024, 1536])
        // Parallel: the column passes of runs 0 and 1, the row dots of runs 1 and 2.
        #expect(mlp.schedule.columnPassWork.prefix(2).allSatisfy { $0 >= SweepSchedule.parallelWork })
        #expect(mlp.schedule.runWork.suffix(2).allSatisfy { $0 >= SweepSchedule.parallelWork })
        // Hidden-to-hidden blocks only (the first and last layers have a fixed side).
        #expect(mlp.links.segments.count == 2)
        #expect(mlp.schedule.settlement.allSatisfy { $0 == .rows })
        #expect(mlp.schedule.unsettledChunks.isEmpty)
        // Each block's columns all move in one run: column sums by row passes, no transposed copies.
        #expect(mlp.schedule.columnCopies.isEmpty && mlp.links.columnMajor.isEmpty)
        #expect(mlp.schedule.columnPassWork == [512 * 512, 512 * 512, 0])
        // In the mixed structure the grouped convolution's two blocks take
        // row passes; the residual and dense blocks, whose columns move in
        // several runs, take column-major copies.
        #expect(problem.links.segments.count == 4)
        #expect(problem.schedule.columnPassSegments[0] == [0, 1])
        #expect(problem.schedule.columnCopies == [2, 3])
    }

    /// Σe recovered from a sweep's own dot products equals a fresh pass,
    /// for settled blocks (MLP) and unsettled ones (residual, frozen and
    /// empty groups), including after far moves (references re-centred).
    @Test(arguments: [UInt64(8), 9])
    func sweptTotalEqualsAFreshPass(_ seed: UInt64) throws {
        for (diagonal, structure) in [Self.mixed(seed: seed), Self.wideMLP(seed: seed)] {
            let problem = try KernelAlignmentProblem(diagonal: diagonal, structure: structure)
            let naive = NaiveAlignment(diagonal: diagonal, structure: structure)
            var state = SweepState(problem: problem, z: [Double](repeating: 0, count: problem.groupCount))
            var sum = state.total(problem)
            var rng = SeededGenerator(seed: seed)
            for _ in 0..<3 {
                _ = problem.sweep(&state, sum: sum) { _, _, sum in (Double.random(in: -40...40, using: &rng), sum) }
                sum = state.sweptTotal(problem)
                #expect(Self.relative(sum, problem.total(state.z)) <= 1e-13)
                let z = state.z
                #expect(Self.relative(sum, naive.g.indices.reduce(0.0) { $0 + naive.entry($1, z) }) <= 1e-12)
            }
        }
    }

    /// Exact mode on the wide MLP: integer scales, never worse than the
    /// start, and a local integer minimum (no single ±1 move improves F).
    @Test func exactModeIsAnIntegerLocalMinimumOnAWideMLP() throws {
        let (diagonal, structure) = Self.wideMLP(seed: 10)
        let result = try alignKernel(diagonal: diagonal, structure: structure,
                                     options: AlignmentOptions(maxSweeps: 20))
        #expect(result.z.allSatisfy { $0 == $0.rounded() })
        #expect(result.criterionAfter <= result.criterionBefore)
        let naive = NaiveAlignment(diagonal: diagonal, structure: structure)
        #expect(Self.relative(result.criterionAfter, naive.criterion(result.z)) <= 1e-12)
        let problem = try KernelAlignmentProblem(diagonal: diagonal, structure: structure)
        for h in stride(from: 0, to: result.z.count, by: 127) {
            for delta in [1.0, -1.0] {
                var moved = result.z
                moved[h] += delta
                #expect(problem.criterion(moved) >= result.criterionAfter - 1e-10 * result.criterionAfter)
            }
        }
    }
}
