import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import TestSupport
import Testing

/// `fulcrum audit` run as a separate process on copies of the fixtures.
@Suite struct AuditCommandTests {
    static let spec = Fixtures.url("torch_mlp/spec.yaml").path

    /// dir/{run1/epoch1.safetensors, run1/epoch2.npz, run2/epoch3.safetensors, run2/notes.txt}
    /// plus run2/broken.safetensors when `broken`.
    static func checkpoints(broken: Bool) throws -> URL {
        let root = try Fixtures.temporaryDirectory("audit-cli")
        let files = [("run1/epoch1.safetensors", "torch_mlp/model.safetensors"), ("run1/epoch2.npz", "torch_mlp/model.npz"),
                     ("run2/epoch3.safetensors", "torch_mlp/model.safetensors")]
        for (target, source) in files {
            let url = root.appendingPathComponent(target)
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: Fixtures.url(source), to: url)
        }
        try Data("not a weight file".utf8).write(to: root.appendingPathComponent("run2/notes.txt"))
        if broken {
            try Data([0x08, 0, 0, 0, 0, 0, 0, 0, 0x7B, 0x22]).write(to: root.appendingPathComponent("run2/broken.safetensors"))
        }
        return root
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    @Test func oneCorruptFileIsReportedAndTheRestAreAudited() throws {
        let root = try Self.checkpoints(broken: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try Tool.run(["audit", root.path, "--spec", Self.spec, "--format", "json"])
        #expect(result.status == 2)
        let document = try Self.json(result.stdout)
        #expect((document["summary"] as? [String: Int]) == ["files": 4, "passed": 3, "failed": 0, "errors": 1])
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.map { ($0["path"] as? String).map { String($0.dropFirst(root.path.count + 1)) } } ==
                ["run1/epoch1.safetensors", "run1/epoch2.npz", "run2/broken.safetensors", "run2/epoch3.safetensors"])
        #expect(files.map { $0["status"] as? String } == ["pass", "pass", "error", "pass"])
        let error = try #require(files[2]["error"] as? String)
        #expect(error.contains("broken.safetensors"))
        #expect(result.stderr.contains("fulcrum: error: ") && result.stderr.contains("broken.safetensors"))
        #expect(result.stderr.contains("audit: 4 files, 3 passed, 0 failed, 1 error"))
    }

    @Test func thresholdsDecidePassOrFail() throws {
        let root = try Self.checkpoints(broken: false)
        defer { try? FileManager.default.removeItem(at: root) }
        let strict = root.appendingPathComponent("strict.yaml"), lenient = root.appendingPathComponent("lenient.json")
        // torch_mlp: fc2's condition number is about 571, its σ_w² ratio about 11, ℓ2 unbalance ratio about 34.
        try "max_condition_number: 100\nsigma_w2_tolerance: 0.5\nmax_unbalance_ratio: 10\nlayers: {fc3: {sigma_w2_tolerance: ~}}\n"
            .write(to: strict, atomically: true, encoding: .utf8)
        try #"{"max_condition_number": 1000, "max_dead_units": 0, "max_abs_balance": 6, "max_unbalance_ratio": 40}"#
            .write(to: lenient, atomically: true, encoding: .utf8)

        let failing = try Tool.run(["audit", root.path, "--spec", Self.spec, "--config", strict.path, "--format", "json"])
        #expect(failing.status == 1)
        let files = try #require(try Self.json(failing.stdout)["files"] as? [[String: Any]])
        #expect(files.count == 3 && files.allSatisfy { $0["status"] as? String == "fail" })
        let failures = try #require(files[0]["failures"] as? [[String: Any]])
        #expect(failures.map { "\($0["layer"] as? String ?? "-") \($0["key"] as? String ?? "")" } ==
                ["fc2 max_condition_number", "fc2 sigma_w2_tolerance", "- max_unbalance_ratio"])

        let passing = try Tool.run(["audit", root.path, "--spec", Self.spec, "--config", lenient.path])
        #expect(passing.status == 0, "\(passing.stderr)")
        #expect(passing.stdout.contains("PASS") && !passing.stdout.contains("\u{1B}["))
    }

    @Test func configCanComeFromAPipe() throws {
        let result = try Tool.run(["audit", Fixtures.url("torch_mlp/model.safetensors").path, "--spec", Self.spec,
                                   "--config", "/dev/stdin"], stdin: Data("max_condition_number: 2\n".utf8))
        #expect(result.status == 1, "\(result.stderr)")
        #expect(result.stdout.contains("✗ fc1: condition_number"))
    }

    @Test func badConfigIsAnErrorNamingTheKey() throws {
        let result = try Tool.run(["audit", Fixtures.url("torch_mlp/model.safetensors").path, "--spec", Self.spec,
                                   "--config", "/dev/stdin"], stdin: Data("max_conditon_number: 2\n".utf8))
        #expect(result.status == 2)
        #expect(result.stderr.contains("/dev/stdin: unknown key 'max_conditon_number'"))
    }

    @Test func junitReportHasOneTestcasePerFile() throws {
        let root = try Self.checkpoints(broken: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let config = root.appendingPathComponent("c.yaml"), report = root.appendingPathComponent("report.xml")
        try "max_condition_number: 100\n".write(to: config, atomically: true, encoding: .utf8)
        let result = try Tool.run(["audit", root.appendingPathComponent("run1").path, root.appendingPathComponent("run2").path,
                                   "--spec", Self.spec, "--config", config.path, "--format", "junit", "--output", report.path])
        #expect(result.status == 2)
        #expect(result.stdout.isEmpty)
        let collector = JUnitCollector()
        let parser = XMLParser(data: try Data(contentsOf: report))
        parser.delegate = collector
        #expect(parser.parse())
        #expect(collector.suites == 1)
        #expect(collector.testcases.count == 4)
        #expect(collector.failures == 3 && collector.errors == 1)
        #expect(collector.failureMessages.allSatisfy { $0.contains("fc2: condition_number") })
    }

    @Test func shardsSplitTheFilesAcrossRuns() throws {
        let root = try Self.checkpoints(broken: false)
        defer { try? FileManager.default.removeItem(at: root) }
        var seen: [String] = []
        for index in 0..<2 {
            let result = try Tool.run(["audit", root.path, "--spec", Self.spec, "--format", "json", "--shard", "\(index)/2"])
            #expect(result.status == 0)
            let document = try Self.json(result.stdout)
            #expect((document["shard"] as? [String: Int]) == ["index": index, "count": 2])
            seen += (document["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
            #expect(result.stderr.contains("(shard \(index)/2 of 3 files)"))
        }
        let all = try Self.json(try Tool.run(["audit", root.path, "--spec", Self.spec, "--format", "json"]).stdout)
        let paths = (all["files"] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }
        #expect(seen.sorted() == paths.sorted() && Set(seen).count == seen.count && paths.count == 3)
    }

    @Test func parallelJobsGiveTheSameReport() throws {
        let root = try Self.checkpoints(broken: true)
        defer { try? FileManager.default.removeItem(at: root) }
        let one = try Tool.run(["audit", root.path, "--spec", Self.spec, "--format", "json", "--jobs", "1"])
        let three = try Tool.run(["audit", root.path, "--spec", Self.spec, "--format", "json", "--jobs", "3"])
        #expect(one.status == 2 && three.status == 2)
        #expect(one.stdout == three.stdout)
    }

    @Test func parallelJobsOverHDF5FilesGiveTheSameReport() throws {
        let folders = ["keras_mlp", "keras_cnn", "keras_resnet"].map { Fixtures.url($0).path }
        let one = try Tool.run(["audit"] + folders + ["--format", "json", "--jobs", "1"])
        let four = try Tool.run(["audit"] + folders + ["--format", "json", "--jobs", "4"])
        #expect(one.status == 0 && four.status == 0, "\(one.stderr)")
        #expect(one.stdout == four.stdout)
        let files = try #require(try Self.json(four.stdout)["files"] as? [[String: Any]])
        #expect(files.count == 8 && files.allSatisfy { $0["status"] as? String == "pass" })
    }

    @Test(arguments: [["--shard", "2/2"], ["--shard", "1/0"], ["--jobs", "0"], ["--format", "xml"]])
    func badOptionsExit64(extra: [String]) throws {
        let result = try Tool.run(["audit", Fixtures.url("torch_mlp").path] + extra)
        #expect(result.status == 64, "\(result.stderr)")
    }

    @Test func noFilesFoundIsAnError() throws {
        let root = try Fixtures.temporaryDirectory("audit-empty")
        defer { try? FileManager.default.removeItem(at: root) }
        let result = try Tool.run(["audit", root.path])
        #expect(result.status == 2)
        #expect(result.stderr.contains("no weight files found in \(root.path)"))
    }
}

/// Counts what CI tools read from a JUnit report.
final class JUnitCollector: NSObject, XMLParserDelegate {
    var suites = 0, failures = 0, errors = 0
    var testcases: [String] = []
    var failureMessages: [String] = []

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        switch name {
        case "testsuite": suites += 1
        case "testcase": testcases.append(attributes["name"] ?? "")
        case "failure": failures += 1; failureMessages.append(attributes["message"] ?? "")
        case "error": errors += 1
        default: break
        }
    }
}
