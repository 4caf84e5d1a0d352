import Foundation
import Testing
@testable import HDF5
import TestSupport

@Suite struct HDF5AttributeTests {
    @Test func variableAndFixedLengthStringsRoundTripInTheirOwnForm() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("a.h5")
        let fixed = HDF5StringStorage.fixedASCII(7)
        let spacePadded = HDF5StringStorage(length: .fixed(6), charset: .ascii, padding: .spacePadded)
        do {
            let root = try HDF5File.create(url.path).root()
            try root.setAttribute("model_config", .string("{\"class_name\": \"Sequential\", \"é\": 1}"))
            try root.setAttribute("layer_names", .stringList(["dense", "dense_1", "batch_normalization"], storage: fixed))
            try root.setAttribute("padded", .stringList(["ab", "c"], storage: spacePadded))
            try root.setAttribute("scalar_fixed", .string("keras", storage: .fixedASCII(5)))
        }
        let dump = try HDF5Tools.attributes(url)
        #expect(dump.contains("STRSIZE H5T_VARIABLE;"))
        #expect(dump.contains("STRSIZE 19;"))           // grown to the longest name
        #expect(dump.contains("STRPAD H5T_STR_NULLPAD;"))
        #expect(dump.contains("STRPAD H5T_STR_SPACEPAD;"))
        #expect(dump.contains("\"batch_normalization\""))

        let root = try HDF5File.open(url.path).root()
        #expect(try root.attributeNames() == ["layer_names", "model_config", "padded", "scalar_fixed"])
        let config = try root.attribute("model_config")
        #expect(config.stringValue == "{\"class_name\": \"Sequential\", \"é\": 1}")
        #expect(config.stringStorage == .variableUTF8)
        #expect(config.shape == [])
        let names = try root.attribute("layer_names")
        #expect(names.strings == ["dense", "dense_1", "batch_normalization"])
        #expect(names.stringStorage == .fixedASCII(19))
        #expect(names.shape == [3])
        #expect(try root.attribute("padded").strings == ["ab", "c"])
        #expect(try root.attribute("padded").stringStorage == HDF5StringStorage(length: .fixed(6), charset: .ascii, padding: .spacePadded))
        #expect(try root.attribute("scalar_fixed") == .strings(["keras"], shape: [], storage: .fixedASCII(5)))
    }

    @Test func rewritingAnAttributeKeepsItsStorage() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let directory = scratch.directory
        let original = directory.appendingPathComponent("o.h5"), copy = directory.appendingPathComponent("c.h5")
        do {
            let root = try HDF5File.create(original.path).root()
            try root.setAttribute("names", .stringList(["a", "bb"], storage: .fixedASCII(2)))
            try root.setAttribute("config", .string("{}"))
        }
        try FileManager.default.copyItem(at: original, to: copy)
        do {
            let root = try HDF5File.open(copy.path, mode: .readWrite).root()
            for name in try root.attributeNames() { try root.setAttribute(name, root.attribute(name)) }
        }
        #expect(try HDF5Tools.attributes(copy) == HDF5Tools.attributes(original))
    }

    @Test func numericAttributes() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("n.h5")
        let matrix = HDF5AttributeValue.numbers(.float64, shape: [2, 2], bytes: bytes(of: [1.0, 2, 3, 4]))
        let empty = HDF5AttributeValue.numbers(.float64, shape: [0], bytes: [])
        do {
            let root = try HDF5File.create(url.path).root()
            try root.setAttribute("matrix", matrix)
            try root.setAttribute("count", .numbers(.int64, shape: [], bytes: bytes(of: [Int64(-3)])))
            try root.setAttribute("weight_names", empty)
            try root.setAttribute("flag", .numbers(.bool, shape: [], bytes: [1]))
        }
        let root = try HDF5File.open(url.path).root()
        #expect(try root.attribute("matrix") == matrix)
        #expect(try root.attribute("count") == .numbers(.int64, shape: [], bytes: bytes(of: [Int64(-3)])))
        #expect(try root.attribute("flag") == .numbers(.bool, shape: [], bytes: [1]))
        // h5py stores an empty Python list as an empty float64 array.
        #expect(try root.attribute("weight_names").strings == [])
        #expect(try root.stringList("weight_names")?.strings == [])
        #expect(try root.attribute("matrix").strings == nil)
        #expect(try root.hasAttribute("absent") == false)
        let error = try #require(throws: HDF5Error.self) { try root.attribute("absent") }
        #expect(error.description.contains(url.path))
        #expect(error.description.contains("/@absent"))
    }

    @Test func longListsAreSplitAsKerasSplitsThem() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("s.h5")
        // 3000 names of 30 bytes: 90000 bytes, so numpy.array_split into 2
        // parts of 1500 (45000 bytes each).
        let names = (0..<3000).map { String(format: "layer_with_a_long_name_%07d", $0) }
        #expect(names.allSatisfy { $0.utf8.count == 30 })
        do {
            let root = try HDF5File.create(url.path).root()
            try root.setAttribute("layer_names", .string("stale"))
            try root.setStringList("layer_names", names, storage: .fixedASCII(30))
            try root.setStringList("short", ["a", "b"], storage: .variableUTF8)
        }
        let root = try HDF5File.open(url.path).root()
        #expect(try root.attributeNames() == ["layer_names0", "layer_names1", "short"])
        #expect(try root.attribute("layer_names0").shape == [1500])
        #expect(try root.attribute("layer_names1").strings == Array(names[1500...]))
        let list = try #require(try root.stringList("layer_names"))
        #expect(list.strings == names)
        #expect(list.storage == .fixedASCII(30))
        #expect(try root.stringList("short")?.strings == ["a", "b"])
        #expect(try root.stringList("absent") == nil)
    }

    @Test func splittingFollowsNumpyArraySplit() {
        // 7 items of 20000 bytes: 3 parts hold at most 3 items (60000 bytes).
        let parts = HDF5Object.splitForAttributes((0..<7).map(String.init), itemSize: 20000)
        #expect(parts == [["0", "1", "2"], ["3", "4"], ["5", "6"]])
        #expect(HDF5Object.splitForAttributes(["a"], itemSize: 1) == [["a"]])
        #expect(HDF5Object.splitForAttributes([], itemSize: 1) == [[]])
    }

    @Test func stringTooLongForAnAttributeIsRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("l.h5")
        let root = try HDF5File.create(url.path).root()
        let error = try #require(throws: HDF5Error.self) {
            try root.setStringList("names", [String(repeating: "x", count: 70000)], storage: .variableUTF8)
        }
        #expect(error.description.contains("exceeds the attribute limit"))
    }
}
