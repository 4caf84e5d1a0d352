import Foundation
import Testing
import HDF5
import TestSupport

@Suite struct HDF5GroupTests {
    @Test func childrenInNameOrCreationOrder() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("g.h5")
        do {
            let root = try HDF5File.create(url.path).root()
            let plain = try root.createGroup("plain")
            let tracked = try root.createGroup("tracked", tracksCreationOrder: true)
            for group in [plain, tracked] {
                for name in ["fc2.weight", "Block", "fc1.weight"] {
                    if name == "Block" { try group.createGroup(name) } else {
                        try group.createDataset(name, element: .float32, shape: [1], bytes: bytes(of: [Float(0)]))
                    }
                }
            }
        }
        let file = try HDF5File.open(url.path)
        let plain = try file.group("plain"), tracked = try file.group("/tracked")
        #expect(try plain.tracksCreationOrder() == false)
        #expect(try tracked.tracksCreationOrder())
        #expect(try plain.children().map(\.name) == ["Block", "fc1.weight", "fc2.weight"])
        #expect(try tracked.children().map(\.name) == ["fc2.weight", "Block", "fc1.weight"])
        #expect(try tracked.children(order: .name).map(\.name) == ["Block", "fc1.weight", "fc2.weight"])
        #expect(try plain.children().map(\.kind) == [.group, .dataset, .dataset])
        #expect(try file.root().children().map(\.name) == ["plain", "tracked"])
    }

    @Test func nestedPathsAndLookups() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("n.h5")
        do {
            let root = try HDF5File.create(url.path).root()
            try root.createDataset("model_weights/dense/sequential/dense/kernel", element: .float32, shape: [2, 3],
                                   bytes: bytes(of: [Float](repeating: 1, count: 6)))
        }
        let file = try HDF5File.open(url.path)
        let root = try file.root()
        #expect(try root.contains("model_weights/dense/sequential/dense/kernel"))
        #expect(try root.contains("model_weights/dense/absent/kernel") == false)
        #expect(try root.contains("model_weights/dense/sequential/dense/kernel/deeper") == false)
        let dense = try root.group("model_weights/dense")
        #expect(dense.path == "/model_weights/dense")
        let kernel = try dense.dataset("sequential/dense/kernel")
        #expect(kernel.path == "/model_weights/dense/sequential/dense/kernel")
        #expect(kernel.shape == [2, 3])
        let error = try #require(throws: HDF5Error.self) { try dense.dataset("sequential/dense/bias") }
        #expect(error.description.contains(url.path))
        #expect(error.description.contains("/model_weights/dense/sequential/dense/bias"))
    }

    @Test func invalidDatasetNamesAreRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("i.h5")
        let root = try HDF5File.create(url.path).root()
        for name in ["", "a//b", "/abs", "a/", ".", "a/../b"] {
            #expect(throws: HDF5Error.self) {
                try root.createDataset(name, element: .uint8, shape: [1], bytes: [0])
            }
        }
    }

    @Test func objectsAreReleasedWhenTheirOwnersGo() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("r.h5")
        let file = try HDF5File.create(url.path)
        do {
            let root = try file.root()
            let dataset = try root.createDataset("x/y", element: .int8, shape: [2], bytes: [1, 2])
            try root.setAttribute("a", .string("b"))
            #expect(try dataset.read() == [1, 2])
            #expect(try file.openObjectCount() > 1)
        }
        #expect(try file.openObjectCount() == 1)
    }
}

@Suite struct HDF5LinkLookupTests {
    @Test func linkLookupByPath() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("l.h5")
        do {
            let root = try HDF5File.create(url.path).root()
            try root.createDataset("a/b/c", element: .uint8, shape: [1], bytes: [7])
        }
        let root = try HDF5File.open(url.path).root()
        #expect(try root.link("a")?.kind == .group)
        #expect(try root.link("a/b")?.kind == .group)
        #expect(try root.link("a/b/c") == HDF5Link(name: "c", kind: .dataset))
        #expect(try root.link("a/x") == nil)
        #expect(try root.link("a/b/c/d") == nil)
        #expect(try root.link("zzz") == nil)
    }
}
