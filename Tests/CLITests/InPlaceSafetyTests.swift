import Foundation
import Glibc
import Testing
import TestSupport
import WeightFiles

/// `fulcrum balance --in-place` never leaves a file half-written: killed with
/// SIGKILL at any moment, the file is either exactly the original or exactly
/// the complete result; what a killed run leaves behind is never taken for a
/// weight file and is removed by the next run. Through a symbolic link, the
/// link stays and its target is rewritten, with its permission bits.
@Suite struct InPlaceSafetyTests {
    /// A fixture, with the spec its network needs (nil: the file carries it).
    struct Case: Sendable, CustomTestStringConvertible {
        var path: String
        var spec: String?
        var testDescription: String { path }
        var fileName: String { URL(fileURLWithPath: path).lastPathComponent }
        func arguments(_ file: URL) -> [String] {
            ["balance", file.path, "--in-place"] + (spec.map { ["--spec", Fixtures.url($0).path] } ?? [])
        }
    }

    static let cases = [
        Case(path: "torch_mlp/model.safetensors", spec: "torch_mlp/spec.yaml"),
        Case(path: "torch_cnn/model.h5", spec: "torch_cnn/spec.yaml"),
        Case(path: "torch_mlp/model_compressed.npz", spec: "torch_mlp/spec.yaml"),
        Case(path: "keras_mlp/model.keras", spec: nil),
    ]

    /// The complete result of balancing `fixture` in place, and how long an
    /// uninterrupted run took (the median of three, for spreading the kills).
    static func reference(_ fixture: Case, in directory: URL) throws -> (result: Data, seconds: Double) {
        var times: [Double] = []
        var result: Data?
        for _ in 0..<3 {
            let copy = directory.appendingPathComponent("reference-" + fixture.fileName)
            try? FileManager.default.removeItem(at: copy)
            try FileManager.default.copyItem(at: Fixtures.url(fixture.path), to: copy)
            let start = Date()
            let run = try Tool.run(fixture.arguments(copy))
            times.append(Date().timeIntervalSince(start))
            #expect(run.status == 0, "\(fixture.path): \(run.stderr)")
            let bytes = try Data(contentsOf: copy)
            if let result { #expect(bytes == result, "\(fixture.path): balance is not deterministic") }
            result = bytes
            try FileManager.default.removeItem(at: copy)
        }
        return (try #require(result), times.sorted()[1])
    }

    /// Starts `fulcrum arguments…`, sends SIGKILL after `delay` seconds and
    /// waits; true when the signal ended it (false: it had already exited).
    static func runKilled(_ arguments: [String], after delay: Double) throws -> Bool {
        let process = Process()
        process.executableURL = Tool.executable
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        usleep(useconds_t(delay * 1_000_000))
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL
    }

    /// SplitMix64: the seeded delays.
    struct Random {
        var state: UInt64
        mutating func unit() -> Double {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Double((z ^ (z >> 31)) >> 11) * 0x1p-53
        }
    }

    @Test(arguments: cases)
    func aKilledRunLeavesTheOriginalOrTheCompleteResult(_ fixture: Case) throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-sigkill")
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Data(contentsOf: Fixtures.url(fixture.path))
        let (result, seconds) = try InPlaceSafetyTests.reference(fixture, in: directory)
        #expect(result != original, "\(fixture.path): balance changed nothing, so the test could not tell the two apart")

        let extractionsBefore = InPlaceSafetyTests.kerasExtractions()
        let work = directory.appendingPathComponent("work")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: false)
        let file = work.appendingPathComponent(fixture.fileName)
        let runs = 40
        var random = Random(state: 0x5EED_0000 &+ UInt64(fixture.path.utf8.count))
        var outcomes = (killed: 0, original: 0, result: 0)
        var leftovers = Set<String>()
        for run in 0..<runs {
            try? FileManager.default.removeItem(at: file)
            try original.write(to: file)
            // Half the kills spread over the whole run and a little past its
            // end, half over its last fifth, where the temporary file is written.
            let half = runs / 2
            let delay = run < half
                ? seconds * 1.2 * (Double(run) + random.unit()) / Double(half)
                : seconds * (0.8 + 0.25 * (Double(run - half) + random.unit()) / Double(runs - half))
            if try InPlaceSafetyTests.runKilled(fixture.arguments(file), after: delay) { outcomes.killed += 1 }
            let now = try Data(contentsOf: file)
            #expect(now == original || now == result, "\(fixture.path): run \(run) killed after \(delay) s left a file that is neither the original nor the result")
            if now == original { outcomes.original += 1 } else if now == result { outcomes.result += 1 }
            let names = try FileManager.default.contentsOfDirectory(atPath: work.path)
            let temporary = names.filter { $0 != fixture.fileName }
            #expect(temporary.allSatisfy { $0.hasPrefix(".\(fixture.fileName).tmp-fulcrum-") }, "\(fixture.path): unexpected files \(temporary)")
            leftovers.formUnion(temporary)
        }
        print("InPlaceSafetyTests \(fixture.path): \(runs) runs over \(seconds) s each: \(outcomes.killed) killed, " +
              "\(outcomes.original) left the original, \(outcomes.result) the result; \(leftovers.count) left a temporary file")

        // One leftover for certain, besides whatever the kills left: a
        // truncated copy of the result under a temporary name, from before this run.
        let planted = work.appendingPathComponent(".\(fixture.fileName).tmp-fulcrum-0dead")
        try result.prefix(result.count / 2).write(to: planted)
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -60)], ofItemAtPath: planted.path)

        // A batch over the directory takes only the real file, never a leftover.
        let batchOut = directory.appendingPathComponent("batch-out")
        try FileManager.default.createDirectory(at: batchOut, withIntermediateDirectories: false)
        try original.write(to: file)
        var batch = ["balance", work.path, "--out-dir", batchOut.path, "--glob", "*"]
        if let spec = fixture.spec { batch += ["--spec", Fixtures.url(spec).path] }
        let listed = try Tool.run(batch)
        #expect(listed.status == 0, "\(fixture.path): \(listed.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: batchOut.path) == [fixture.fileName])
        #expect(try Data(contentsOf: batchOut.appendingPathComponent(fixture.fileName)) == result)
        // Opening a leftover by name is refused.
        let inspect = try Tool.run(["inspect", planted.path])
        #expect(inspect.status == 2)
        #expect(inspect.stderr.contains("a temporary file of an interrupted fulcrum write"))

        // The next complete run writes the result and removes every leftover.
        let finalStart = Date()
        let final = try Tool.run(fixture.arguments(file))
        #expect(final.status == 0, "\(fixture.path): \(final.stderr)")
        #expect(try Data(contentsOf: file) == result)
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path) == [fixture.fileName])
        // Nor is anything left in the system's temporary folder (.keras
        // archives are extracted there): what killed runs left is gone,
        // while directories other live processes hold are theirs.
        guard fixture.fileName.hasSuffix(".keras") else { return }
        let stale = InPlaceSafetyTests.kerasExtractions().subtracting(extractionsBefore).filter { path in
            // Made before the final run (by a killed run), not by someone starting now.
            guard let modified = try? FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date,
                  modified < finalStart else { return false }
            let descriptor = open(path, O_RDONLY | O_DIRECTORY)
            guard descriptor >= 0 else { return false }  // removed meanwhile
            defer { close(descriptor) }
            return flock(descriptor, LOCK_EX | LOCK_NB) == 0
        }
        #expect(stale.isEmpty, "\(fixture.path): stale extraction directories \(stale)")
    }

    /// The `.keras` extraction directories in the system's temporary folder.
    static func kerasExtractions() -> Set<String> {
        let folder = FileManager.default.temporaryDirectory
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return Set(names.filter { $0.hasPrefix("fulcrum-keras-") }.map { folder.appendingPathComponent($0).path })
    }

    @Test(arguments: cases)
    func inPlaceThroughASymlinkRewritesTheTargetAndKeepsLinkAndMode(_ fixture: Case) throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-symlink")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (result, _) = try InPlaceSafetyTests.reference(fixture, in: directory)
        let store = directory.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: false)
        let target = store.appendingPathComponent(fixture.fileName)
        try FileManager.default.copyItem(at: Fixtures.url(fixture.path), to: target)
        #expect(chmod(target.path, 0o604) == 0)
        let link = directory.appendingPathComponent("link-" + fixture.fileName)
        let relative = "store/" + fixture.fileName
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: relative)

        let run = try Tool.run(fixture.arguments(link))

        #expect(run.status == 0, "\(fixture.path): \(run.stderr)")
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: link.path) == relative)
        #expect(try Data(contentsOf: target) == result)
        let mode = try FileManager.default.attributesOfItem(atPath: target.path)[.posixPermissions] as? Int
        #expect(mode == 0o604)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.path) == [fixture.fileName])
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted() == ["link-" + fixture.fileName, "store"])
    }

    /// Found by the test above: HDF5 write-back copied the symbolic link
    /// itself to the temporary path, so the writes went through the copied
    /// link (to the original, when the link's relative target resolved from
    /// the output's folder) or nowhere.
    @Test(arguments: cases)
    func outputFromASymlinkedInputIsARegularFileAndTheOriginalStays(_ fixture: Case) throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-symlink")
        defer { try? FileManager.default.removeItem(at: directory) }
        let (result, _) = try InPlaceSafetyTests.reference(fixture, in: directory)
        let original = directory.appendingPathComponent(fixture.fileName)
        try FileManager.default.copyItem(at: Fixtures.url(fixture.path), to: original)
        let link = directory.appendingPathComponent("link-" + fixture.fileName)
        try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: fixture.fileName)
        let output = directory.appendingPathComponent("out-" + fixture.fileName)
        var arguments = ["balance", link.path, "-o", output.path]
        if let spec = fixture.spec { arguments += ["--spec", Fixtures.url(spec).path] }

        let run = try Tool.run(arguments)

        #expect(run.status == 0, "\(fixture.path): \(run.stderr)")
        let type = try FileManager.default.attributesOfItem(atPath: output.path)[.type] as? FileAttributeType
        #expect(type == .typeRegular)
        #expect(try Data(contentsOf: output) == result)
        #expect(try Data(contentsOf: original) == Data(contentsOf: Fixtures.url(fixture.path)))
    }
}
