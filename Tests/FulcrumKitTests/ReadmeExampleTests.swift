import Foundation
import FulcrumKit
import Testing

/// README.md's library example, run for real on the PyTorch CNN fixture.
@Suite struct ReadmeExampleTests {
    @Test func exampleRebalancesWritesAndProves() throws {
        let directory = try Repository.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let weights = Repository.fixture("torch_cnn/model.safetensors")
        let spec = Repository.fixture("torch_cnn/spec.yaml")
        let output = directory.appendingPathComponent("balanced.safetensors")

        let result = try rebalance(weights, spec: spec, to: output)

        #expect(result.exact)
        #expect(result.report.objectiveAfter < result.report.objectiveBefore)
        let verification = try #require(result.verification)
        #expect(verification.certificate.exact)
        #expect(verification.outputs?.bitIdentical == true)

        // The written file holds the rewritten tensors and every other tensor unchanged.
        let original = try WeightFileOpener.open(weights)
        let written = try WeightFileOpener.open(output)
        #expect(written.tensorNames == original.tensorNames)
        let rewritten = Dictionary(uniqueKeysWithValues: result.rewritten.map { ($0.name, $0) })
        #expect(!rewritten.isEmpty)
        for name in original.tensorNames {
            #expect(try written.read(name) == (rewritten[name] ?? original.read(name)), "\(name)")
        }
    }

    @Test func readmeShowsTheExampleVerbatim() throws {
        let source = try String(contentsOf: Repository.root.appendingPathComponent("Tests/FulcrumKitTests/ReadmeExample.swift"),
                                encoding: .utf8)
        let lines = source.components(separatedBy: "\n")
        let begin = try #require(lines.firstIndex(of: "// README example begin"))
        let end = try #require(lines.firstIndex(of: "// README example end"))
        let example = lines[(begin + 1)..<end].joined(separator: "\n")
        let readme = try String(contentsOf: Repository.root.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(readme.contains("```swift\n" + example + "\n```"),
                "README.md must show Tests/FulcrumKitTests/ReadmeExample.swift between its markers verbatim")
    }
}
