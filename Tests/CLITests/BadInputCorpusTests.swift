import Foundation
import Testing
import TestSupport

extension FixtureManifest.BadInput: CustomTestStringConvertible {
    public var testDescription: String {
        "\(command.first ?? "?") \(path)" + (setup.map { " [\($0)]" } ?? "")
    }
}

/// Every entry of the bad-input corpus (`bad_inputs` in fixtures/manifest.json,
/// made by fixtures/make_bad_inputs.py) run through the built tool as a user
/// would: the exit status and message are the ones the manifest gives, the
/// message names the file, the input is byte for byte what it was, and the
/// run leaves nothing behind — no output, no temporary file.
@Suite struct BadInputCorpusTests {
    @Test func theCorpusCoversEveryKindOfProblem() throws {
        let entries = try #require(FixtureManifest.load().badInputs)
        #expect(entries.count >= 40)
        let commands = Set(entries.compactMap(\.command.first))
        #expect(commands.isSuperset(of: ["inspect", "check", "convert", "balance"]))
        #expect(Set(entries.compactMap(\.setup)) == ["read_only_directory", "full_disk"])
        for entry in entries {
            #expect(FileManager.default.fileExists(atPath: Fixtures.url(entry.path).path), "\(entry.path) is missing")
        }
    }

    /// Where one entry runs: a fresh directory (a tmpfs for the file-system
    /// conditions) holding a copy of the entry's file under its own name.
    struct RunDirectory {
        var url: URL
        var input: URL
        var mount: ScratchFileSystem?

        func remove() {
            if let mount { mount.unmount() } else { try? FileManager.default.removeItem(at: url) }
        }
    }

    /// Prepares the run directory for `entry`; nil (with the reason printed)
    /// when the condition it needs cannot be made here (mounting needs root).
    static func prepare(_ entry: FixtureManifest.BadInput) throws -> RunDirectory? {
        let source = Fixtures.url(entry.path)
        switch entry.setup {
        case nil:
            let url = try Fixtures.temporaryDirectory("fulcrum-bad-corpus")
            let input = url.appendingPathComponent(source.lastPathComponent)
            try FileManager.default.copyItem(at: source, to: input)
            return RunDirectory(url: url, input: input)
        case "read_only_directory", "full_disk":
            guard let mount = try ScratchFileSystem.mount(size: entry.setup == "full_disk" ? "64k" : "1m") else {
                print("BadInputCorpusTests: \(entry.testDescription) not run: this process cannot mount a tmpfs (needs root)")
                return nil
            }
            let input = mount.url.appendingPathComponent(source.lastPathComponent)
            try FileManager.default.copyItem(at: source, to: input)
            if entry.setup == "full_disk" { try mount.fill(name: "filler") } else { try mount.makeReadOnly() }
            return RunDirectory(url: mount.url, input: input, mount: mount)
        case let other?:
            Issue.record("unknown setup '\(other)' in the manifest entry for \(entry.path)")
            return nil
        }
    }

    /// The entry's command with its placeholders filled in.
    static func arguments(_ entry: FixtureManifest.BadInput, run: RunDirectory) -> [String] {
        let filled = entry.command.map {
            $0.replacingOccurrences(of: "{input}", with: run.input.path)
                .replacingOccurrences(of: "{dir}", with: run.url.path)
                .replacingOccurrences(of: "{fixtures}", with: Fixtures.directory.path)
        }
        return entry.command.contains("{input}") ? filled : filled + [run.input.path]
    }

    static func listing(_ directory: URL) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    }

    @Test(arguments: FixtureManifest.badInputs())
    func theToolRefusesItAsTheManifestSays(_ entry: FixtureManifest.BadInput) throws {
        guard let run = try BadInputCorpusTests.prepare(entry) else { return }
        defer { run.remove() }
        let original = try Data(contentsOf: Fixtures.url(entry.path))
        let before = try BadInputCorpusTests.listing(run.url)

        let result = try Tool.run(BadInputCorpusTests.arguments(entry, run: run))

        #expect(result.status == entry.expectedExit, "\(entry.testDescription): exit \(result.status): \(result.stderr)")
        // Errors go to stderr; a warning of a successful run may go to either.
        let said = entry.expectedExit == 0 ? result.stdout + result.stderr : result.stderr
        #expect(said.contains(entry.messageContains), "\(entry.testDescription): \(result.stderr)")
        #expect(!result.stderr.contains("Fatal error"), "\(entry.testDescription): \(result.stderr)")
        if entry.expectedExit != 0 {
            #expect(result.stderr.contains("fulcrum: error: "), "\(entry.testDescription): \(result.stderr)")
            // The message names the file at fault: the input, the spec given, or the output.
            let named = [run.input.path]
                + entry.command.filter { $0.hasPrefix("{fixtures}") }
                    .map { $0.replacingOccurrences(of: "{fixtures}", with: Fixtures.directory.path) }
                + entry.command.filter { $0.hasPrefix("{dir}/") }
                    .map { $0.replacingOccurrences(of: "{dir}", with: run.url.path) }
            #expect(named.contains { result.stderr.contains($0) }, "\(entry.testDescription) does not name the file: \(result.stderr)")
            #expect(try BadInputCorpusTests.listing(run.url) == before, "\(entry.testDescription) left files behind")
        }
        if entry.expectedExit == 0 {
            for output in entry.command where output.hasPrefix("{dir}/") {
                let name = String(output.dropFirst("{dir}/".count))
                #expect(try BadInputCorpusTests.listing(run.url) == (before + [name]).sorted(), "\(entry.testDescription)")
            }
        }
        #expect(try Data(contentsOf: run.input) == original, "\(entry.testDescription) changed its input")
        #expect(try BadInputCorpusTests.listing(run.url).filter { $0.contains(".tmp-fulcrum-") && !before.contains($0) } == [])
    }
}
