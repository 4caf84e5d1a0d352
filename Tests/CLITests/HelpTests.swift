import Foundation
import Testing
import TestSupport

/// Every command's `--help` is its documentation (and the man page's): an
/// abstract, a discussion with worked examples that run as written, and
/// the exit codes.
@Suite struct HelpTests {
    static let subcommands = ["inspect", "check", "balance", "align", "diff", "audit", "convert"]

    @Test(arguments: subcommands)
    func helpHasAnAbstractExamplesAndExitCodes(command: String) throws {
        let result = try Tool.run([command, "--help"])
        #expect(result.status == 0)
        let overview = try #require(result.stdout.components(separatedBy: "\n").first)
        #expect(overview.hasPrefix("OVERVIEW: ") && overview.count > "OVERVIEW: ".count + 10)
        // The discussion is wrapped to the terminal: compare with single spaces.
        let words = result.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        #expect(words.contains("Example"))
        #expect(words.contains("Exit codes: 0 "))
        #expect(words.contains("64 usage error"))
        #expect(!Self.examples(in: result.stdout).isEmpty, "no example command in `\(command) --help`")
    }

    /// swift-argument-parser's man page generator drops every non-ASCII
    /// character, so the help text must not rely on any.
    @Test(arguments: [nil] + subcommands)
    func helpIsASCII(command: String?) throws {
        let result = try Tool.run((command.map { [$0] } ?? []) + ["--help"])
        #expect(result.status == 0)
        let offending = result.stdout.components(separatedBy: "\n").filter { !$0.unicodeScalars.allSatisfy(\.isASCII) }
        #expect(offending.isEmpty, "non-ASCII help lines: \(offending)")
    }

    @Test func rootHelpListsEveryExitCode() throws {
        let help = try Tool.run(["--help"]).stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for code in ["0 success", "1 a check or audit failed", "2 bad input", "64 usage error"] {
            #expect(help.contains(code), "\(code)")
        }
    }

    /// The examples of the root help and of every subcommand's help, run
    /// in that order in a directory that holds the repository's fixtures/
    /// and docs/ (later examples use the files earlier ones wrote, as the
    /// help says), all succeed.
    @Test func everyExampleRunsAsWritten() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-help-examples")
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["fixtures", "docs"] {
            try FileManager.default.createSymbolicLink(at: directory.appendingPathComponent(name),
                                                       withDestinationURL: Fixtures.root.appendingPathComponent(name))
        }
        var ran = 0
        for command in [nil] + Self.subcommands {
            let help = try Tool.run((command.map { [$0] } ?? []) + ["--help"]).stdout
            for example in Self.examples(in: help) {
                let result = try Tool.run(Array(example.dropFirst()), in: directory)
                #expect(result.status == 0, "\(example.joined(separator: " ")): \(result.stderr)")
                ran += 1
            }
        }
        #expect(ran >= 14)
        // What the examples say they write is there.
        for written in ["balanced.keras", "balanced.safetensors", "balanced/model.h5", "balance.json",
                        "aligned.safetensors", "audit.xml", "model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent(written).path), "\(written)")
        }
    }

    /// The example commands of a help text: lines "  fulcrum …" before
    /// USAGE, with lines ending in " \" continued on the next line, split
    /// into words (examples use no quoting).
    static func examples(in help: String) -> [[String]] {
        var commands: [[String]] = []
        var pending: String?
        for line in help.components(separatedBy: "\n") {
            if line.hasPrefix("USAGE:") { break }
            if var text = pending ?? (line.hasPrefix("  fulcrum ") ? "" : nil) {
                text += " " + line.trimmingCharacters(in: .whitespaces)
                if text.hasSuffix("\\") {
                    pending = String(text.dropLast())
                } else {
                    pending = nil
                    commands.append(text.split(separator: " ").map(String.init))
                }
            }
        }
        return commands
    }
}
