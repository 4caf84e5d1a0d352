/// The JUnit XML report, as CI systems (GitHub Actions test reporters,
/// GitLab, Jenkins) read it: one `<testsuite>` with one `<testcase>` per
/// file; a file over a threshold has a `<failure>` whose `message` lists the
/// crossed thresholds and whose text has one per line; a file that could not
/// be audited has an `<error>`.
extension AuditReport {
    /// The report as an XML document, ending with a newline.
    public func junit() -> String {
        var suiteName = "fulcrum audit"
        if let shard { suiteName += " (shard \(shard.index)/\(shard.count))" }
        var lines = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        lines.append("<testsuite name=\"\(XMLEscaping.attribute(suiteName))\" tests=\"\(files.count)\" "
            + "failures=\"\(failed)\" errors=\"\(errors)\" skipped=\"0\">")
        for file in files {
            let path = XMLEscaping.attribute(file.path)
            let open = "  <testcase classname=\"fulcrum.audit\" name=\"\(path)\" file=\"\(path)\""
            switch file.status {
            case .pass:
                lines.append(open + "/>")
            case .fail:
                let count = file.failures.count
                let summary = "\(count) threshold\(count == 1 ? "" : "s") crossed: "
                    + file.failures.map(\.message).joined(separator: "; ")
                lines.append(open + ">")
                lines.append("    <failure type=\"threshold\" message=\"\(XMLEscaping.attribute(summary))\">"
                    + XMLEscaping.text(file.failures.map(\.message).joined(separator: "\n")) + "</failure>")
                lines.append("  </testcase>")
            case .error:
                let message = file.error ?? "error"
                lines.append(open + ">")
                lines.append("    <error type=\"error\" message=\"\(XMLEscaping.attribute(message))\">"
                    + XMLEscaping.text(message) + "</error>")
                lines.append("  </testcase>")
            }
        }
        lines.append("</testsuite>")
        return lines.joined(separator: "\n") + "\n"
    }
}
