import Testing
import Network
import Rescaling
import WeightFiles

@Suite struct ScaleApplicationTests {
    @Test func kerasDenseKernelMovesByOutMinusInExponent() throws {
        // Keras kernel (in=2, out=3): element (i, o) scales by 2^(z[o] - z[i]).
        let kernel = try Tensor(name: "k", dtype: .float32, shape: [2, 3], values: [1, 1, 1, 1, 1, 1])
        let role = ParameterRole(tensor: "k", node: "dense", kind: .weight, shape: [2, 3],
                                 outAxis: 1, outGroups: [0, 1, -1], inAxis: 0, inGroups: [2, -1])
        let z: LogScales = [1, -2, 3]
        let moved = kernel.rescaled(by: z, as: role)
        // Row i=0 consumes group 2 (z=3); row i=1 is an input (fixed).
        #expect(moved.doubles() == [0x1p-2, 0x1p-5, 0x1p-3, 2, 0.25, 1])
    }
}
