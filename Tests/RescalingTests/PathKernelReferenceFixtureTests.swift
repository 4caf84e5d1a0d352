import Foundation
import Network
import TestSupport
import Testing
import WeightFiles
@testable import Rescaling

/// A JSON document of fixtures/reference/, read with Foundation only.
struct ReferenceFixture {
    let json: [String: Any]

    init(_ name: String) throws {
        let data = try Data(contentsOf: Fixtures.url("reference/\(name)"))
        let object = try JSONSerialization.jsonObject(with: data)
        json = try #require(object as? [String: Any])
    }

    static func doubles(_ value: Any?) throws -> [Double] {
        let list = try #require(value as? [Any])
        return try list.map { item in
            if let number = item as? NSNumber { return number.doubleValue }
            let text = try #require(item as? String)
            return try #require(Double(text))
        }
    }

    /// The stored tensors by name, with the dtype the fixture names.
    func tensors() throws -> (order: [String], byName: [String: Tensor]) {
        var order: [String] = [], byName: [String: Tensor] = [:]
        for entry in try #require(json["tensors"] as? [[String: Any]]) {
            let name = try #require(entry["name"] as? String)
            let shape = try #require(entry["shape"] as? [Int])
            let dtypeName = try #require(entry["dtype"] as? String)
            let dtype = try #require(DType(rawValue: dtypeName))
            byName[name] = try Tensor(name: name, dtype: dtype, shape: shape, values: try Self.doubles(entry["values"]))
            order.append(name)
        }
        return (order, byName)
    }

    /// Splits a flat list in parameter order into one list per tensor.
    static func split(_ flat: [Double], order: [String], tensors: [String: Tensor]) throws -> [String: [Double]] {
        var result: [String: [Double]] = [:], offset = 0
        for name in order {
            let count = try #require(tensors[name]).elementCount
            result[name] = Array(flat[offset..<(offset + count)])
            offset += count
        }
        #expect(offset == flat.count)
        return result
    }
}

@Suite struct PathKernelReferenceFixtureTests {
    /// The reference code's compute_diag_G (float32 PyTorch) on a conv net
    /// inside what it handles: padded and strided convs, ReLU, flatten, linear.
    @Test func convNetMatchesReferenceComputeDiagG() throws {
        let fixture = try ReferenceFixture("pathcond_cnn.json")
        let (order, tensors) = try fixture.tensors()
        var b = NetworkBuilder()
        b.tensors = tensors
        b.add("conv1", .conv2d(Conv2D(weight: "0.weight", bias: "0.bias", padding: .symmetric(1, 1))))
        b.add("relu1", .activation(.relu))
        b.add("conv2", .conv2d(Conv2D(weight: "2.weight", bias: "2.bias", stride: [4, 4], padding: .symmetric(1, 1))))
        b.add("relu2", .activation(.relu)); b.add("flatten", .flatten)
        b.add("fc", .linear(weight: "5.weight", bias: "5.bias"))
        let shape = try #require(fixture.json["input_shape"] as? [Int])
        let kernel = try pathKernelDiagonal(network: b.network(layout: .torch, inputShape: shape), tensors: tensors)
        #expect(kernel.tensorOrder == order)
        let expected = try ReferenceFixture.split(try ReferenceFixture.doubles(fixture.json["diag_g"]), order: order, tensors: tensors)
        expectDiagonalsMatch(kernel.values, expected, tolerance: 1e-6)
    }

    /// Our semantics (BN folded to a·x + c, average-pool coefficients
    /// squared, max pool through the maximum) as computed by torch autograd
    /// in float64 on the squared network, over a CNN with every op.
    @Test func everyOpCNNMatchesTorchAutograd() throws {
        let fixture = try ReferenceFixture("pathkernel_cnn.json")
        let (_, tensors) = try fixture.tensors()
        let eps = try #require(fixture.json["epsilon"] as? [String: Double])
        var b = NetworkBuilder()
        b.tensors = tensors
        b.add("conv1", .conv2d(Conv2D(weight: "conv1.weight", bias: "conv1.bias", padding: .symmetric(1, 1))))
        b.add("bn1", .batchNorm(BatchNorm(gamma: "bn1.weight", beta: "bn1.bias", mean: "bn1.running_mean",
                                          variance: "bn1.running_var", epsilon: try #require(eps["bn1"]))))
        b.add("relu1", .activation(.relu))
        let p = b.add("pool", .maxPool2d(Pool2D(kernel: [2, 2], stride: [2, 2])))
        b.add("conv2", .conv2d(Conv2D(weight: "conv2.weight", bias: nil, padding: .symmetric(1, 1), groups: 2)))
        let relu2 = b.add("relu2", .activation(.relu))
        let r = b.add("residual", .add, inputs: [p, relu2])
        b.add("conv3", .conv2d(Conv2D(weight: "conv3.weight", bias: "conv3.bias", padding: .symmetric(1, 1))))
        let c3 = b.add("bn2", .batchNorm(BatchNorm(gamma: "bn2.weight", beta: nil, mean: "bn2.running_mean",
                                                   variance: "bn2.running_var", epsilon: try #require(eps["bn2"]))))
        let c4 = b.add("conv4", .conv2d(Conv2D(weight: "conv4.weight", bias: "conv4.bias", padding: .symmetric(1, 1),
                                               dilation: [2, 2])))
        b.add("avg", .avgPool2d(Pool2D(kernel: [2, 2], stride: [1, 1])), inputs: [r])
        let a = b.add("flat_a", .flatten)
        let q = b.add("gap", .globalAvgPool2d, inputs: [c3])
        let f = b.add("flat_c4", .flatten, inputs: [c4])
        b.add("cat", .concatenate(axis: 0), inputs: [a, q, f])
        b.add("fc", .linear(weight: "fc.weight", bias: "fc.bias"))
        let shape = try #require(fixture.json["input_shape"] as? [Int])
        let kernel = try pathKernelDiagonal(network: b.network(layout: .torch, inputShape: shape), tensors: tensors)

        let expectedJSON = try #require(fixture.json["diag_g"] as? [String: Any])
        var expected: [String: [Double]] = [:]
        for (name, values) in expectedJSON { expected[name] = try ReferenceFixture.doubles(values) }
        #expect(Set(kernel.tensorOrder) == Set(expected.keys))
        expectDiagonalsMatch(kernel.values, expected, tolerance: 1e-12)
    }
}
