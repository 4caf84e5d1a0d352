import Foundation
import Testing
@testable import FulcrumCLI

@Suite struct ArchitectureSummaryTests {
    /// Shaped like the config.json Keras 3 writes into a `.keras` archive.
    static let sequential = """
    {"module": "keras", "class_name": "Sequential", "config": {"name": "sequential", "trainable": true, "layers": [\
    {"module": "keras.layers", "class_name": "InputLayer", "config": {"batch_shape": [null, 4], "name": "input_layer"}}, \
    {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense", "units": 8, "activation": "relu"}}, \
    {"module": "keras.layers", "class_name": "Dense", "config": {"name": "dense_1", "units": 3}}]}}
    """

    /// Functional models name each layer beside its config.
    static let functional = """
    {"class_name": "Functional", "config": {"name": "model", "layers": [\
    {"class_name": "InputLayer", "name": "x", "config": {"name": "x"}, "inbound_nodes": []}, \
    {"class_name": "Conv2D", "name": "conv", "config": {"name": "conv"}, "inbound_nodes": [[["x", 0, 0, {}]]]}, \
    {"class_name": "Add", "name": "add", "config": {"name": "add"}, "inbound_nodes": []}]}}
    """

    @Test func sequentialLayersAreListed() {
        let summary = ArchitectureSummary(json: ArchitectureSummaryTests.sequential)
        #expect(summary.modelClass == "Sequential")
        #expect(summary.modelName == "sequential")
        #expect(summary.layers == [.init(name: "input_layer", className: "InputLayer"),
                                   .init(name: "dense", className: "Dense"),
                                   .init(name: "dense_1", className: "Dense")])
    }

    @Test func functionalLayersAreListed() {
        let summary = ArchitectureSummary(json: ArchitectureSummaryTests.functional)
        #expect(summary.modelClass == "Functional")
        #expect(summary.layers.map(\.name) == ["x", "conv", "add"])
        #expect(summary.layers.map(\.className) == ["InputLayer", "Conv2D", "Add"])
    }

    @Test func unreadableJSONKeepsOnlyTheText() {
        let summary = ArchitectureSummary(json: "not json")
        #expect(summary.modelClass == nil && summary.layers.isEmpty)
        #expect(summary.jsonValue.rendered() == """
        {
          "class_name": null,
          "name": null,
          "layers": [],
          "json": "not json"
        }
        """)
    }

    @Test func jsonValuesRenderStably() {
        let value = JSONValue.object([("a", .array([.int(1), .int(2)])), ("b", .double(0.1)), ("c", .double(.nan)),
                                      ("d", .string("q\"\n")), ("e", .array([.object([("x", .bool(true))])]))])
        #expect(value.rendered() == """
        {
          "a": [1, 2],
          "b": 0.1,
          "c": null,
          "d": "q\\"\\n",
          "e": [
            {
              "x": true
            }
          ]
        }
        """)
    }
}
