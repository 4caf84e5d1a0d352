import Foundation
import Testing
import HDF5
import TestSupport

@Suite struct HDF5FileTests {
    @Test func notHDF5GivesErrorNamingThePathAndHDF5sReason() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let directory = scratch.directory
        let url = directory.appendingPathComponent("notes.h5")
        try Data("just some text, not HDF5\n".utf8).write(to: url)
        let error = try #require(throws: HDF5Error.self) { try HDF5File.open(url.path) }
        #expect(error.path == url.path)
        #expect(error.description.hasPrefix(url.path))
        #expect(error.description.contains("signature"))
        #expect(try HDF5File.isHDF5(url.path) == false)
    }

    @Test func missingFileGivesErrorNamingThePath() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("absent.h5")
        let error = try #require(throws: HDF5Error.self) { try HDF5File.open(url.path) }
        #expect(error.description.contains(url.path))
        #expect(error.description.contains("No such file"))
    }

    @Test func truncatedFileGivesErrorNamingThePath() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let directory = scratch.directory
        let url = directory.appendingPathComponent("whole.h5")
        do {
            let file = try HDF5File.create(url.path)
            let values = (0..<4096).map { Float($0) }
            try file.root().createDataset("x", element: .float32, shape: [4096], bytes: bytes(of: values))
            try file.close()
        }
        let whole = try Data(contentsOf: url)
        let truncated = directory.appendingPathComponent("truncated.h5")
        try whole.prefix(whole.count / 2).write(to: truncated)
        let error = try #require(throws: HDF5Error.self) {
            let file = try HDF5File.open(truncated.path)
            _ = try file.dataset("x").read()
        }
        #expect(error.path == truncated.path)
        #expect(error.description.contains("truncated"))
    }

    @Test func createdFilesAreReproducibleByteForByte() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let directory = scratch.directory
        func make(_ name: String) throws -> Data {
            let url = directory.appendingPathComponent(name)
            let file = try HDF5File.create(url.path)
            let root = try file.root()
            try root.createDataset("fc1.weight", element: .float32, shape: [3, 2], bytes: bytes(of: [Float](repeating: 1.5, count: 6)))
            try root.createDataset("block/0/bias", element: .float64, shape: [2], bytes: bytes(of: [1.0, -2.0]))
            try root.setAttribute("note", .string("made by a test"))
            try file.close()
            return try Data(contentsOf: url)
        }
        let first = try make("a.h5")
        // Object headers would carry the creation second if times were tracked.
        Thread.sleep(forTimeInterval: 1.1)
        let second = try make("b.h5")
        #expect(first == second)
    }

    @Test func createRefusesToReplaceUnlessAsked() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("x.h5")
        try HDF5File.create(url.path).close()
        #expect(throws: HDF5Error.self) { try HDF5File.create(url.path) }
        try HDF5File.create(url.path, overwrite: true).close()
    }

    @Test func readOnlyFilesRefuseWrites() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("x.h5")
        do {
            let file = try HDF5File.create(url.path)
            try file.root().createDataset("x", element: .int32, shape: [2], bytes: bytes(of: [Int32(1), 2]))
        }
        let file = try HDF5File.open(url.path)
        let error = try #require(throws: HDF5Error.self) { try file.dataset("x").write(bytes(of: [Int32(3), 4])) }
        #expect(error.description.contains("/x"))
        #expect(error.description.contains("read-only"))
        #expect(throws: HDF5Error.self) { try file.root().setAttribute("a", .string("b")) }
    }

    @Test func libraryVersionIsOneTen() {
        #expect(HDF5Library.version.hasPrefix("1."))
    }
}

/// The bytes of `values` in memory (native little-endian).
func bytes<T>(of values: [T]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// Values of type `T` from native little-endian bytes.
func values<T>(_ bytes: [UInt8], as type: T.Type) -> [T] {
    bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
}

@Suite struct HDF5ConcurrencyTests {
    @Test func concurrentReadersAreSerialisedByTheLock() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("c.h5")
        let count = 64
        do {
            let root = try HDF5File.create(url.path).root()
            for index in 0..<count {
                try root.createDataset("d\(index)", element: .float64, shape: [100],
                                       bytes: bytes(of: (0..<100).map { Double(index * 1000 + $0) }),
                                       options: HDF5DatasetOptions(chunks: [10], filters: [.deflate(level: 1)]))
            }
        }
        let file = try HDF5File.open(url.path)
        final class Results: @unchecked Sendable {
            let lock = NSLock()
            var good = 0
        }
        let results = Results()
        DispatchQueue.concurrentPerform(iterations: count) { index in
            guard let read = try? file.dataset("d\(index)").read() else { return }
            let correct = values(read, as: Double.self) == (0..<100).map { Double(index * 1000 + $0) }
            results.lock.lock()
            if correct { results.good += 1 }
            results.lock.unlock()
        }
        #expect(results.good == count)
    }
}
