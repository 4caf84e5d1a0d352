import Audit
import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing

/// Collects the elements of an XML document with their attributes and text.
final class XMLCollector: NSObject, XMLParserDelegate {
    struct Element { var name: String; var attributes: [String: String]; var text = ""; var parent: String? }
    var elements: [Element] = []
    private var stack: [Int] = []
    var error: Error?

    static func parse(_ text: String) throws -> [Element] {
        let collector = XMLCollector()
        let parser = XMLParser(data: Data(text.utf8))
        parser.delegate = collector
        guard parser.parse() else { throw parser.parserError ?? collector.error ?? CocoaError(.coderReadCorrupt) }
        return collector.elements
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes, parent: stack.last.map { elements[$0].name }))
        stack.append(elements.count - 1)
    }
    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        stack.removeLast()
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if let last = stack.last { elements[last].text += string }
    }
    func parser(_ parser: XMLParser, parseErrorOccurred parseError: Error) { error = parseError }
}

@Suite struct AuditReportTests {
    static func report() throws -> AuditReport {
        let metrics = try Auditor.metrics(of: try HandBuiltMetricsTests.mlp(layout: .torch))
        let config = try AuditConfig.parse("max_condition_number: 5\nmax_abs_balance: 0.5", path: "t.yaml")
        return AuditReport(files: [
            FileAudit(path: "ckpt/a&b <1>.safetensors", metrics: metrics, failures: []),
            FileAudit(path: "ckpt/c\"d'.npz", metrics: metrics, failures: config.failures(of: metrics)),
            FileAudit(path: "ckpt/broken.h5", error: "ckpt/broken.h5: not a weight file: <bad> & \"worse\"\u{1}"),
        ], shard: (1, 3))
    }

    @Test func junitHasOneTestcasePerFileWithFailuresAndErrors() throws {
        let report = try Self.report()
        let elements = try XMLCollector.parse(report.junit())
        let suite = try #require(elements.first)
        #expect(suite.name == "testsuite")
        #expect(suite.attributes["tests"] == "3" && suite.attributes["failures"] == "1" && suite.attributes["errors"] == "1")
        #expect(suite.attributes["name"] == "fulcrum audit (shard 1/3)")
        let cases = elements.filter { $0.name == "testcase" }
        #expect(cases.map { $0.attributes["name"] } == report.files.map(\.path))
        #expect(cases.allSatisfy { $0.parent == "testsuite" })
        let failures = elements.filter { $0.name == "failure" }
        #expect(failures.count == 1)
        let message = try #require(failures.first?.attributes["message"])
        #expect(message.hasPrefix("2 thresholds crossed: fc1: condition_number"))
        #expect(message.contains("max_abs_balance 0.5"))
        #expect(failures[0].text == report.files[1].failures.map(\.message).joined(separator: "\n"))
        let errors = elements.filter { $0.name == "error" }
        #expect(errors.count == 1)
        #expect(errors[0].attributes["message"] == "ckpt/broken.h5: not a weight file: <bad> & \"worse\"\u{FFFD}")
    }

    @Test func jsonIsOneStableDocument() throws {
        let report = try Self.report()
        let text = report.json()
        #expect(text == (try Self.report()).json())
        let document = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(document["schema_version"] as? Int == 1)
        #expect((document["shard"] as? [String: Int]) == ["index": 1, "count": 3])
        #expect((document["summary"] as? [String: Int]) == ["files": 3, "passed": 1, "failed": 1, "errors": 1])
        let files = try #require(document["files"] as? [[String: Any]])
        #expect(files.map { $0["status"] as? String } == ["pass", "fail", "error"])
        #expect(files[2]["network"] is NSNull && (files[2]["layers"] as? [Any])?.isEmpty == true)
        let layer = try #require((files[0]["layers"] as? [[String: Any]])?.first)
        let keys = ["name", "kind", "out_units", "fan_in", "groups", "activation", "sigma_w2", "critical",
                    "sigma_w2_ratio", "singular_max", "singular_min", "condition_number", "orthogonality_error",
                    "rescalable_units", "balance_mean", "balance_worst", "conserved_mean", "conserved_min",
                    "conserved_max", "dead_units", "nan_count", "inf_count"]
        #expect(Set(layer.keys) == Set(keys))
        #expect(layer["sigma_w2"] as? Double == 26.0 / 3 && layer["critical"] as? Double == 2)
        let network = try #require(files[0]["network"] as? [String: Any])
        #expect(Set(network.keys) == ["p", "q", "lpq_norm", "lpq_balanced_min", "unbalance_ratio", "path_norm_l1",
                                      "path_norm_l2", "path_norm_note", "rescalable_units", "blocked_units",
                                      "dead_units", "balance_mean", "balance_worst", "nan_count", "inf_count"])
        #expect(network["path_norm_l1"] as? Double == 38)
        let failures = try #require(files[1]["failures"] as? [[String: Any]])
        #expect(failures.map { $0["key"] as? String } == ["max_condition_number", "max_abs_balance"])
        #expect(failures[0]["layer"] as? String == "fc1")
    }

    @Test func jsonWritesNonFiniteNumbersAsStringsAndUnitsOnRequest() throws {
        var report = try Self.report()
        report.files[0].metrics?.layers[0].conditionNumber = .infinity
        report.includeUnits = true
        let document = try #require(try JSONSerialization.jsonObject(with: Data(report.json().utf8)) as? [String: Any])
        let files = try #require(document["files"] as? [[String: Any]])
        let layer = try #require((files[0]["layers"] as? [[String: Any]])?.first)
        #expect(layer["condition_number"] as? String == "inf")
        let units = try #require(layer["units"] as? [[String: Any]])
        #expect(units.count == 3 && units[2]["balance"] is NSNull && units[1]["conserved"] as? Double == -3)
    }

    @Test func textHasATableAndColourOnlyWhenAsked() throws {
        let report = try Self.report()
        let plain = report.text(colour: false)
        #expect(!plain.contains("\u{1B}["))
        #expect(plain.contains("PASS   ckpt/a&b <1>.safetensors"))
        #expect(plain.contains("FAIL   ckpt/c\"d'.npz"))
        #expect(plain.contains("ERROR  ckpt/broken.h5"))
        #expect(plain.contains("layer  kind"))
        #expect(plain.contains("✗ fc1: condition_number"))
        let coloured = report.text(colour: true)
        #expect(coloured.contains("\u{1B}[32mPASS"))
        #expect(coloured.contains("\u{1B}[1;31mFAIL"))
    }

    @Test func exitCodeReflectsTheWorstFile() throws {
        var report = try Self.report()
        #expect(report.exitCode == 2)
        report.files.removeLast()
        #expect(report.exitCode == 1)
        report.files.removeLast()
        #expect(report.exitCode == 0)
    }
}
