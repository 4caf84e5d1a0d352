import Foundation
import Testing
import Network
@testable import Rescaling
import WeightFiles

/// The exact-mode class search carries every group's totals through its
/// moves (`GroupTotalsUpdate`) instead of summing them by a pass per class
/// and round: the carried totals must equal a new pass, and the search must
/// take the same path as one that makes those passes.
@Suite struct ClassSearchTests {
    /// A residual block whose groups 0..<4 are produced by two nodes (stem
    /// and branch) and consumed by two (branch_in and head), with biases.
    static func residual(seed: UInt64) throws -> BalanceProblem {
        var random = TestRandom(seed: seed)
        func t(_ name: String, _ shape: [Int]) throws -> Tensor {
            try Tensor(name: name, dtype: .float32, shape: shape,
                       values: (0..<shape.reduce(1, *)).map { _ in random.uniform(-4, 4) * exp2(random.uniform(-4, 4)) })
        }
        let tensors = try [t("stem", [4, 3]), t("stem_b", [4]), t("branch_in", [2, 4]), t("branch", [4, 2]), t("head", [2, 4])]
            .reduce(into: [String: Tensor]()) { $0[$1.name] = $1 }
        let groups = (0..<6).map { RescalingGroup(id: $0, units: $0 < 4 ? ["stem:\($0)", "branch:\($0)"] : ["branch_in:\($0 - 4)"]) }
        let structure = RescalingStructure(groups: groups, parameters: [
            ParameterRole(tensor: "stem", node: "stem", kind: .weight, shape: [4, 3], outAxis: 0, outGroups: [0, 1, 2, 3],
                          inAxis: 1, inGroups: [-1, -1, -1]),
            ParameterRole(tensor: "stem_b", node: "stem", kind: .bias, shape: [4], outAxis: 0, outGroups: [0, 1, 2, 3],
                          inAxis: nil, inGroups: []),
            ParameterRole(tensor: "branch_in", node: "branch_in", kind: .weight, shape: [2, 4], outAxis: 0, outGroups: [4, 5],
                          inAxis: 1, inGroups: [0, 1, 2, 3]),
            ParameterRole(tensor: "branch", node: "branch", kind: .weight, shape: [4, 2], outAxis: 0, outGroups: [0, 1, 2, 3],
                          inAxis: 1, inGroups: [4, 5]),
            ParameterRole(tensor: "head", node: "head", kind: .weight, shape: [2, 4], outAxis: 0, outGroups: [-1, -1],
                          inAxis: 1, inGroups: [0, 1, 2, 3]),
        ], blocked: [])
        return try BalanceProblem(structure: structure, tensors: tensors)
    }

    /// An MLP, the mixed structure of `ObjectiveTests` (dense with bias,
    /// grouped conv, BatchNorm rows, a flatten-fed layer whose groups repeat
    /// over positions) and the residual block.
    static func problems() throws -> [(String, BalanceProblem)] {
        let (mixed, mixedTensors) = try ObjectiveTests.mixedStructure(seed: 7)
        return [
            ("mlp", try GeneratedMLP(widths: [8, 24, 24, 24, 4], seed: 21, imbalance: 4).problem()),
            ("mixed", try BalanceProblem(structure: mixed, tensors: mixedTensors)),
            ("residual", try residual(seed: 4)),
        ]
    }

    /// Every free group's (I, O) from a pass over every row.
    static func pass(_ sweeper: inout LpqSweeper, _ x: [Double]) -> (I: [Double], O: [Double], total: Double) {
        let (i, o, total) = sweeper.totals(x, segments: sweeper.allSegments, mask: nil)
        return (Array(i), Array(o), total)
    }

    static func randomIntegerPoint(free: Int, _ random: inout TestRandom) -> [Double] {
        (0..<free).map { _ in random.uniform(-3, 3).rounded() } + [0]
    }

    @Test(arguments: [1.0, 2.0, 3.0])
    func carriedTotalsEqualANewPass(p: Double) throws {
        for (name, problem) in try Self.problems() {
            let kernel = try LpqKernel(problem: problem, p: p, q: p)
            let layout = kernel.layout
            let free = layout.freeGroups.count
            var sweeper = LpqSweeper(kernel: kernel, lo: layout.boxLo, hi: layout.boxHi)
            let coloring = GroupColoring(layout: layout)
            let update = GroupTotalsUpdate(kernel: kernel, incidence: GroupIncidence(layout: layout))
            var random = TestRandom(seed: 17)
            var x = Self.randomIntegerPoint(free: free, &random)
            var s = [Double](repeating: 1, count: free + 1)
            kernel.consumerFactors(x, into: &s)
            var (inTotals, outTotals, _) = Self.pass(&sweeper, x)
            var moved = 0
            for _ in 0..<3 {
                for members in coloring.classes {
                    let moves = members.compactMap { g -> (group: Int, step: Int)? in
                        random.uniform(0, 1) < 0.5 ? (g, random.uniform(0, 1) < 0.5 ? 1 : -1) : nil
                    }
                    update.apply(moves, x: x, s: s, inTotals: &inTotals, outTotals: &outTotals)
                    for move in moves { x[move.group] += Double(move.step) }
                    kernel.consumerFactors(x, into: &s)
                    moved += moves.count
                    let (freshIn, freshOut, _) = Self.pass(&sweeper, x)
                    for g in 0..<free {
                        #expect(relativeDifference(inTotals[g], freshIn[g]) < 1e-12, "\(name) p=\(p): I of group \(g)")
                        #expect(relativeDifference(outTotals[g], freshOut[g]) < 1e-12, "\(name) p=\(p): O of group \(g)")
                    }
                }
            }
            #expect(moved > 0, "\(name)")
        }
    }

    /// The search as it ran before it carried totals: a pass over the
    /// class's segments for every class and round.
    static func searchWithAPassPerClass(_ start: [Double], kernel: LpqKernel, p: Double) -> (x: [Double], moves: Int) {
        let layout = kernel.layout
        var sweeper = LpqSweeper(kernel: kernel, lo: layout.boxLo, hi: layout.boxHi)
        let coloring = GroupColoring(layout: layout)
        let lo = layout.boxLo.map { Int(ceil($0 - 1e-9)) }, hi = layout.boxHi.map { Int(floor($0 + 1e-9)) }
        let threshold = 1e-13 * pass(&sweeper, start).total
        let grow = exp2(p) - 1, shrink = exp2(-p) - 1
        var x = start
        var moves = 0
        while true {
            var moved = false
            for (k, members) in coloring.classes.enumerated() {
                var mask = [Bool](repeating: false, count: layout.freeGroups.count + 1)
                for g in members { mask[g] = true }
                let (inTotals, outTotals, _) = sweeper.totals(x, segments: coloring.relevantSegments[k], mask: mask)
                for g in members {
                    let i = inTotals[inTotals.startIndex + g], o = outTotals[outTotals.startIndex + g]
                    let up = grow * i + shrink * o, down = shrink * i + grow * o
                    var best = -threshold, step = 0
                    if Int(x[g]) + 1 <= hi[g] && up < best { best = up; step = 1 }
                    if Int(x[g]) - 1 >= lo[g] && down < best { best = down; step = -1 }
                    if step != 0 { x[g] += Double(step); moves += 1; moved = true }
                }
            }
            if !moved { return (x, moves) }
        }
    }

    @Test(arguments: [1.0, 2.0, 3.0])
    func searchTakesTheSamePathAsAPassPerClass(p: Double) throws {
        for (name, problem) in try Self.problems() {
            let kernel = try LpqKernel(problem: problem, p: p, q: p)
            let layout = kernel.layout
            let free = layout.freeGroups.count
            var random = TestRandom(seed: 23)
            for _ in 0..<4 {
                let start = Self.randomIntegerPoint(free: free, &random)
                let reference = Self.searchWithAPassPerClass(start, kernel: kernel, p: p)
                var sweeper = LpqSweeper(kernel: kernel, lo: layout.boxLo, hi: layout.boxHi)
                let outcome = ClassLocalSearch(p: p, coloring: GroupColoring(layout: layout), lo: layout.boxLo, hi: layout.boxHi)
                    .run(start, sweeper: &sweeper)
                #expect(outcome.x == reference.x, "\(name) p=\(p)")
                #expect(outcome.moves == reference.moves, "\(name) p=\(p)")
                #expect(outcome.moves > 0, "\(name) p=\(p)")
                var check = LpqSweeper(kernel: kernel, lo: layout.boxLo, hi: layout.boxHi)
                #expect(outcome.startObjective == Self.pass(&check, start).total, "\(name) p=\(p)")
                // The totals it returns are those of a pass at its point.
                let totals = try #require(outcome.totals)
                let (freshIn, freshOut, _) = Self.pass(&check, outcome.x)
                #expect(totals.I == Array(freshIn.prefix(free)), "\(name) p=\(p)")
                #expect(totals.O == Array(freshOut.prefix(free)), "\(name) p=\(p)")
            }
        }
    }
}

extension ClassSearchTests {
    /// The single-group search for p ≠ q as it ran before it skipped
    /// untouched groups: every group, both signs, every round, with pow.
    static func searchLookingAtEveryGroup(_ start: [Double], kernel: LpqKernel) -> (x: [Double], moves: Int) {
        let layout = kernel.layout
        let p = kernel.p, q = kernel.q
        let free = layout.freeGroups.count
        let lo = layout.boxLo.map { Int(ceil($0 - 1e-9)) }, hi = layout.boxHi.map { Int(floor($0 + 1e-9)) }
        var x = start
        var s = [Double](repeating: 1, count: free + 1)
        kernel.consumerFactors(x, into: &s)
        var t = [Double](repeating: 0, count: layout.rowCount)
        for seg in layout.segments {
            for r in 0..<seg.rowCount {
                for c in 0..<seg.columnCount {
                    t[seg.rowStart + r] += Double(kernel.values[seg.valueOffset + r * seg.columnCount + c]) * s[Int(layout.columnGroups[seg.columnStart + c])]
                }
            }
        }
        func rowTerm(_ row: Int) -> Double {
            t[row] > 0 ? exp2(q * x[Int(layout.rowOut[row])] + (q / p) * (kernel.rowLogScale[row] + log2(t[row])) - kernel.logOffset) : 0
        }
        let threshold = 1e-13 * (0..<layout.rowCount).reduce(0) { $0 + rowTerm($1) }
        var moves = 0
        while true {
            var improved = false
            for g in 0..<free {
                var best = -threshold, bestSign = 0
                for sign in [1, -1] where Int(x[g]) + sign >= lo[g] && Int(x[g]) + sign <= hi[g] {
                    var delta = 0.0
                    for seg in layout.segments {
                        for r in 0..<seg.rowCount {
                            let row = seg.rowStart + r
                            if Int(layout.rowOut[row]) == g { delta += rowTerm(row) * (exp2(q * Double(sign)) - 1) }
                            for c in 0..<seg.columnCount where Int(layout.columnGroups[seg.columnStart + c]) == g {
                                let a = Double(kernel.values[seg.valueOffset + r * seg.columnCount + c])
                                guard a > 0 else { continue }
                                let new = t[row] + a * s[g] * (exp2(-p * Double(sign)) - 1)
                                delta += rowTerm(row) * (pow(Swift.max(new, 0) / t[row], q / p) - 1)
                            }
                        }
                    }
                    if delta < best { best = delta; bestSign = sign }
                }
                guard bestSign != 0 else { continue }
                let oldS = s[g]
                x[g] += Double(bestSign)
                s[g] = exp2(-p * x[g])
                for seg in layout.segments {
                    for r in 0..<seg.rowCount {
                        for c in 0..<seg.columnCount where Int(layout.columnGroups[seg.columnStart + c]) == g {
                            t[seg.rowStart + r] += Double(kernel.values[seg.valueOffset + r * seg.columnCount + c]) * (s[g] - oldS)
                        }
                    }
                }
                moves += 1
                improved = true
            }
            if !improved { return (x, moves) }
        }
    }

    @Test(arguments: [(1.0, 2.0), (2.0, 1.0), (3.0, 1.5), (1.0, 3.0)])
    func singleGroupSearchSkipsOnlyWhatCannotChange(p: Double, q: Double) throws {
        for (name, problem) in try Self.problems() {
            let kernel = try LpqKernel(problem: problem, p: p, q: q)
            let layout = kernel.layout
            let refiner = IntegerRefiner(kernel: kernel, lo: layout.boxLo, hi: layout.boxHi)
            var random = TestRandom(seed: 29)
            for _ in 0..<3 {
                let start = Self.randomIntegerPoint(free: layout.freeGroups.count, &random)
                let reference = Self.searchLookingAtEveryGroup(start, kernel: kernel)
                let result = refiner.localSearch(start)
                #expect(result.x == reference.x, "\(name) p=\(p) q=\(q)")
                #expect(result.moves == reference.moves, "\(name) p=\(p) q=\(q)")
                #expect(result.moves > 0, "\(name) p=\(p) q=\(q)")
            }
        }
    }
}
