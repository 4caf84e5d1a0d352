import Testing
import Network

@Suite struct RescalingStructureTests {
    @Test func groupedConvolutionLooksUpTheInputGroupOfItsOwnBlock() {
        // Torch conv with groups=2: weight (4, 1, 1, 1); out units 0,1 read
        // input channel 0 (group 10), out units 2,3 read channel 1 (group 11).
        let role = ParameterRole(tensor: "w", node: "conv", kind: .weight, shape: [4, 1, 1, 1],
                                 outAxis: 0, outGroups: [0, 1, 2, 3], inAxis: 1, inGroups: [10, 11], inBlocks: 2)
        #expect((0..<4).map { role.inGroup(out: $0, in: 0) } == [10, 10, 11, 11])
    }

    @Test func biasHasNoInputGroup() {
        let role = ParameterRole(tensor: "b", node: "fc", kind: .bias, shape: [3],
                                 outAxis: 0, outGroups: [0, 1, -1], inAxis: nil, inGroups: [])
        #expect(role.inGroup(out: 1, in: 0) == -1)
    }
}
