import Foundation
import Testing
import TestSupport

/// `fulcrum check`, run as a user runs it.
@Suite struct CheckCommandTests {
    /// One fixture network: a file holding it, its spec (or nil) and its
    /// expected_check, read straight from the manifest.
    struct Expectation: Sendable {
        struct Blocked: Sendable { var node: String; var count: Int; var reasonContains: String }
        var file: String
        /// The manifest's format; save_weights files carry no architecture.
        var format: String
        var spec: String?
        var rescalableUnits: Int
        var groups: Int
        var blocked: [Blocked]
    }

    /// One entry per weight file that holds a network.
    static let networks: [Expectation] = {
        guard let data = try? Data(contentsOf: Fixtures.url("manifest.json")),
              let manifest = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let files = manifest["files"] as? [[String: Any]],
              let networks = manifest["networks"] as? [String: [String: Any]] else { return [] }
        return files.compactMap { file -> Expectation? in
            guard let path = file["path"] as? String, let key = file["network"] as? String,
                  let network = networks[key], let expected = network["expected_check"] as? [String: Any],
                  let units = expected["rescalable_units"] as? Int, let groups = expected["groups"] as? Int else { return nil }
            let blocked = (expected["blocked"] as? [[String: Any]] ?? []).compactMap { row -> Expectation.Blocked? in
                guard let node = row["node"] as? String, let count = row["count"] as? Int,
                      let fragment = row["reason_contains"] as? String else { return nil }
                return Expectation.Blocked(node: node, count: count, reasonContains: fragment)
            }
            return Expectation(file: path, format: file["format"] as? String ?? "", spec: network["spec"] as? String, rescalableUnits: units,
                               groups: groups, blocked: blocked)
        }
    }()

    static var networkFiles: [String] { networks.map(\.file) }

    func run(_ path: String, spec: String?, _ extra: [String] = []) throws -> ToolResult {
        try Tool.run(["check", Fixtures.url(path).path] + (spec.map { ["--spec", Fixtures.url($0).path] } ?? []) + extra)
    }

    @Test func everyFixtureNetworkIsCovered() {
        #expect(Self.networks.count >= 20)
    }

    @Test(arguments: networkFiles)
    func jsonCountsMatchTheManifest(path: String) throws {
        let network = try #require(Self.networks.first { $0.file == path })
        let result = try run(path, spec: network.spec, ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(document.keys) == ["file", "source", "assumptions", "layers", "rescalable_units", "groups",
                                       "blocked_units", "residual_groups"])
        #expect(document["file"] as? String == Fixtures.url(path).path)
        let architecture = ["keras_h5", "keras_archive"].contains(network.format)
        #expect(document["source"] as? String == (network.spec != nil ? "spec" : architecture ? "keras_config" : "inferred"))
        #expect(document["rescalable_units"] as? Int == network.rescalableUnits)
        #expect(document["groups"] as? Int == network.groups)
        let blocked = try #require(document["blocked_units"] as? [[String: Any]])
        for row in blocked { #expect(Set(row.keys) == ["node", "index", "reason"]) }
        for expectation in network.blocked {
            let rows = blocked.filter { $0["node"] as? String == expectation.node }
            #expect(rows.count == expectation.count, "\(path) \(expectation.node)")
            #expect(rows.allSatisfy { ($0["reason"] as? String)?.contains(expectation.reasonContains) == true },
                    "\(path) \(expectation.node)")
        }
        #expect(blocked.count == network.blocked.reduce(0) { $0 + $1.count })
        let layers = try #require(document["layers"] as? [[String: Any]])
        for layer in layers { #expect(Set(layer.keys) == ["name", "op", "units", "rescalable", "blocked"]) }
        #expect(layers.reduce(0) { $0 + ($1["rescalable"] as? Int ?? 0) } == document["rescalable_units"] as? Int)
        #expect(layers.reduce(0) { $0 + ($1["blocked"] as? Int ?? 0) } == blocked.count)
    }

    @Test func residualGroupsListTheUnitsTiedByTheAdd() throws {
        let result = try run("torch_resnet/model.safetensors", spec: "torch_resnet/spec.yaml", ["--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let groups = try #require(document["residual_groups"] as? [[String: Any]])
        #expect(groups.count == 4)
        #expect(groups.first?["units"] as? [String] == ["stem_bn:0", "block_bn2:0"])
        #expect(groups.first?["id"] as? Int == 0)
    }

    @Test func textReportHasATablePerLayerWithReasonsAndTotals() throws {
        let result = try run("torch_cnn/model.safetensors", spec: "torch_cnn/spec.yaml")
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == Fixtures.url("torch_cnn/model.safetensors").path)
        #expect(lines.contains("network: spec \(Fixtures.url("torch_cnn/spec.yaml").path)"))
        #expect(lines.contains("layer    op          units  rescalable  blocked  why"))
        #expect(lines.contains("conv1    conv2d          4           0        4  feeds batchnorm (node bn1)"))
        #expect(lines.contains("bn1      batchnorm       4           4        0"))
        #expect(lines.contains("relu1    relu            -           -        -"))
        #expect(lines.contains("fc       linear          5           0        5  network output"))
        #expect(lines.contains("total: 10 rescalable units in 10 groups (0 residual groups), 9 blocked units"))
    }

    @Test func aStateDictWithoutSpecIsInferredAndTheAssumptionsArePrinted() throws {
        let result = try run("torch_mlp/model.npz", spec: nil)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("network: inferred from tensor names and shapes"))
        #expect(result.stdout.contains("assumptions:\n  - the file carries no architecture and no --spec was given"))
        #expect(result.stdout.contains("activation relu after every layer except the last ('4.weight')"))
        #expect(result.stdout.contains("total: 14 rescalable units in 14 groups"))

        let json = try run("torch_mlp/model.npz", spec: nil, ["--json", "--activation", "tanh"])
        #expect(json.status == 0, "\(json.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        #expect(document["source"] as? String == "inferred")
        #expect((document["assumptions"] as? [String])?.contains { $0.contains("activation tanh after every layer") } == true)
        #expect(document["rescalable_units"] as? Int == 0)
        let reasons = Set((document["blocked_units"] as? [[String: Any]] ?? []).compactMap { $0["reason"] as? String })
        #expect(reasons == ["feeds tanh (node tanh_1)", "feeds tanh (node tanh_2)", "network output"])
    }

    @Test func aSpecNamingAMissingTensorExitsTwoNamingSpecLayerAndTensor() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = directory.appendingPathComponent("bad.yaml")
        let text = try String(contentsOf: Fixtures.url("torch_mlp/spec.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "\"2.bias\"", with: "\"2.bias_typo\"")
        try text.write(to: spec, atomically: true, encoding: .utf8)
        let result = try Tool.run(["check", Fixtures.url("torch_mlp/model.safetensors").path, "--spec", spec.path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        #expect(result.stderr == "fulcrum: error: \(spec.path): layer 'fc2': tensor '2.bias_typo' (bias) is not in \(Fixtures.url("torch_mlp/model.safetensors").path)\n")
    }

    @Test func shapesThatDoNotChainExitTwo() throws {
        let result = try run("torch_cnn/model.safetensors", spec: nil)
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("fulcrum: error: \(Fixtures.url("torch_cnn/model.safetensors").path): cannot infer the network:"))
        #expect(result.stderr.contains("'7.weight' [5, 96] is a linear layer after the conv '4.weight' [6, 4, 3, 3]"))

        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let spec = directory.appendingPathComponent("fc.json")
        try #"{"layout": "torch", "input_shape": [95], "layers": [{"name": "fc", "op": "linear", "weight": "7.weight"}]}"#
            .write(to: spec, atomically: true, encoding: .utf8)
        let wrongSpec = try Tool.run(["check", Fixtures.url("torch_cnn/model.safetensors").path, "--spec", spec.path])
        #expect(wrongSpec.status == 2)
        #expect(wrongSpec.stderr.hasPrefix("fulcrum: error: \(spec.path): layer 'fc': weight '7.weight' has shape [5, 96]: 96 in-features, but the incoming tensor has 95 features"))
    }

    @Test func aPReLUActivationIsAUsageError() throws {
        let result = try run("torch_mlp/model.npz", spec: nil, ["--activation", "prelu"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--activation prelu needs its slope tensors"))
    }
}
