import Foundation
import Testing
import TestSupport

/// `--quiet` and `--verbose` of balance, align and audit.
@Suite struct VerbosityTests {
    static let cnn = Fixtures.url("torch_cnn/model.safetensors").path
    static let cnnSpec = Fixtures.url("torch_cnn/spec.yaml").path

    @Test(arguments: ["balance", "align"])
    func quietSuccessPrintsNothing(command: String) throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.safetensors")
        let result = try Tool.run([command, Self.cnn, "--spec", Self.cnnSpec, "-o", output.path, "--quiet"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.isEmpty)
        #expect(result.stderr.isEmpty)
        #expect(FileManager.default.fileExists(atPath: output.path))
    }

    @Test func quietKeepsTheJSONDocumentAndTheErrors() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Tool.run(["balance", Fixtures.url("keras_mlp/model.keras").path,
                                   Fixtures.url("bad/truncated.keras").path,
                                   "--out-dir", directory.path, "--quiet", "--json"])
        #expect(result.status == 2)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.map { $0["status"] as? String } == ["error", "written"])
        // One error line naming the bad file; no summary.
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.hasPrefix("fulcrum: error: ") == true)
        #expect(lines.first?.contains("truncated.keras") == true)

        let text = try Tool.run(["balance", Fixtures.url("keras_mlp/model.keras").path,
                                 Fixtures.url("bad/truncated.keras").path,
                                 "--out-dir", directory.path, "--quiet"])
        #expect(text.status == 2)
        #expect(text.stdout.isEmpty)
        #expect(text.stderr == result.stderr)
    }

    @Test func verboseAddsTimedStepsOnStderrAndKeepsStdout() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.safetensors").path
        let plain = try Tool.run(["balance", Self.cnn, "--spec", Self.cnnSpec, "-o", output])
        let verbose = try Tool.run(["balance", Self.cnn, "--spec", Self.cnnSpec, "-o", output, "--verbose"])
        #expect(verbose.status == 0)
        #expect(verbose.stdout == plain.stdout)
        let steps = verbose.stderr.split(separator: "\n").map(String.init)
        for (step, detail) in [("read", "10 rescaling groups"), ("solve", "5 tensors moved"),
                               ("verify", "certificate exact, 8 probes"), ("write", output)] {
            let line = steps.first { $0.hasPrefix("balance: \(Self.cnn): \(step) ") }
            #expect(line?.contains(" ms (") == true, "no timed \(step) line in \(steps)")
            #expect(line?.contains(detail) == true, "\(step): \(line ?? "")")
        }
        // No progress bar: stderr is a pipe here.
        #expect(!verbose.stderr.contains("\r"))
    }

    @Test func verboseWithoutVerificationHasNoVerifyStep() throws {
        let directory = try Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let result = try Tool.run(["align", Self.cnn, "--spec", Self.cnnSpec, "-o",
                                   directory.appendingPathComponent("out.safetensors").path, "-v", "--no-verify"])
        #expect(result.status == 0)
        let steps = result.stderr.split(separator: "\n").compactMap { line in
            line.hasPrefix("align: \(Self.cnn): ") ? line.dropFirst("align: \(Self.cnn): ".count).split(separator: " ").first : nil
        }
        #expect(steps == ["read", "solve", "write"])
    }

    @Test func quietAndVerboseTogetherIsAUsageError() throws {
        let result = try Tool.run(["audit", Self.cnn, "--quiet", "--verbose"])
        #expect(result.status == 64)
        #expect(result.stderr.contains("--quiet and --verbose"))
    }

    @Test func quietAuditPrintsOnlyCrossedThresholds() throws {
        let config = Fixtures.root.appendingPathComponent("docs/examples/audit.yaml").path
        let keras = Fixtures.url("keras_cnn/model.keras").path
        let passing = try Tool.run(["audit", Self.cnn, "--spec", Self.cnnSpec, "--quiet"])
        #expect(passing.status == 0)
        #expect(passing.stdout.isEmpty)
        #expect(passing.stderr.isEmpty)

        let failing = try Tool.run(["audit", keras, "--config", config, "--quiet"])
        #expect(failing.status == 1)
        #expect(failing.stdout.isEmpty)
        #expect(failing.stderr.split(separator: "\n") == [
            "fulcrum: audit: \(keras): FAIL: conv2d: balance_worst 3.46191 > max_abs_balance 3",
            "fulcrum: audit: \(keras): FAIL: conv2d_1: balance_worst 4.45776 > max_abs_balance 3",
            "fulcrum: audit: \(keras): FAIL: unbalance_ratio 11.4431 > max_unbalance_ratio 1.5",
        ])

        let junit = try Tool.run(["audit", keras, "--config", config, "--quiet", "--format", "junit"])
        #expect(junit.status == 1)
        #expect(junit.stdout.hasPrefix("<?xml"))
        #expect(junit.stderr.isEmpty)
    }

    @Test func verboseAuditTimesEachFile() throws {
        let result = try Tool.run(["audit", Self.cnn, "--spec", Self.cnnSpec, "--verbose", "--format", "json"])
        #expect(result.status == 0)
        let lines = result.stderr.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("audit: \(Self.cnn): read ") && $0.contains(" ms (") })
        #expect(lines.contains { $0.hasPrefix("audit: \(Self.cnn): audit ") && $0.contains("(pass, 0 threshold(s) crossed)") })
        #expect(lines.last == "audit: 1 file, 1 passed, 0 failed, 0 errors")
    }
}
