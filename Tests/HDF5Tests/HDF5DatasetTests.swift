import Foundation
import Testing
import HDF5
import TestSupport

@Suite struct HDF5DatasetTests {
    /// Sample little-endian bytes for each element type, and how h5dump
    /// prints those values.
    static func sample(_ element: HDF5ElementType) -> (bytes: [UInt8], printed: String) {
        switch element {
        case .float16: return (bytes(of: [Float16(0.5), -2, 65504, 0.099975586].map(\.bitPattern)), "0.5, -2, 65504, 0.0999756")
        case .bfloat16: return (bytes(of: [UInt16(0x3F00), 0xC000, 0x4780, 0x3DCC]), "0.5, -2, 65536, 0.0996094")
        case .float32: return (bytes(of: [Float(0.5), -2, 3.25e10, 0.1]), "0.5, -2, 3.25e+10, 0.1")
        case .float64: return (bytes(of: [0.5, -2, 1e300, 0.1]), "0.5, -2, 1e+300, 0.1")
        case .int8: return (bytes(of: [Int8(-128), 0, 1, 127]), "-128, 0, 1, 127")
        case .int16: return (bytes(of: [Int16(-32768), 0, 1, 32767]), "-32768, 0, 1, 32767")
        case .int32: return (bytes(of: [Int32.min, 0, 1, Int32.max]), "-2147483648, 0, 1, 2147483647")
        case .int64: return (bytes(of: [Int64.min, 0, 1, Int64.max]), "-9223372036854775808, 0, 1, 9223372036854775807")
        case .uint8: return (bytes(of: [UInt8(0), 1, 128, 255]), "0, 1, 128, 255")
        case .uint16: return (bytes(of: [UInt16(0), 1, 256, 65535]), "0, 1, 256, 65535")
        case .uint32: return (bytes(of: [UInt32(0), 1, 65536, UInt32.max]), "0, 1, 65536, 4294967295")
        case .uint64: return (bytes(of: [UInt64(0), 1, 1 << 40, UInt64.max]), "0, 1, 1099511627776, 18446744073709551615")
        case .bool: return ([0, 1, 1, 0], "FALSE, TRUE, TRUE, FALSE")
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var element: HDF5ElementType
        var order: HDF5ByteOrder
        var chunked: Bool
        var testDescription: String { "\(element.rawValue) \(order.rawValue)\(chunked ? " chunked+shuffle+deflate" : "")" }
    }

    static let cases: [Case] = HDF5ElementType.allCases.flatMap { element in
        [Case(element: element, order: .little, chunked: false),
         Case(element: element, order: .big, chunked: false),
         Case(element: element, order: .big, chunked: true)]
    }

    @Test(arguments: cases)
    func writesAndReadsEveryElementType(_ testCase: Case) throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("t.h5")
        let (data, printed) = Self.sample(testCase.element)
        let options = HDF5DatasetOptions(byteOrder: testCase.order, chunks: testCase.chunked ? [2, 1] : nil,
                                         filters: testCase.chunked ? [.shuffle, .deflate(level: 4)] : [])
        do {
            let file = try HDF5File.create(url.path)
            try file.root().createDataset("group/x", element: testCase.element, shape: [2, 2], bytes: data, options: options)
            try file.close()
        }
        let dataset = try HDF5File.open(url.path).dataset("group/x")
        #expect(dataset.path == "/group/x")
        #expect(dataset.shape == [2, 2])
        #expect(dataset.type.elementType == testCase.element)
        let multiByte = testCase.element.byteCount > 1
        #expect(dataset.type.byteOrder == (multiByte ? testCase.order : .none))
        #expect(try dataset.read() == data)
        if testCase.chunked {
            #expect(dataset.layout == .chunked([2, 1]))
            #expect(dataset.filters.map(\.id) == [2, 1])
            #expect(dataset.filters.allSatisfy { $0.isAvailable && $0.canEncode && $0.canDecode })
        } else {
            #expect(dataset.layout == .contiguous)
            #expect(dataset.filters.isEmpty)
        }
        // h5dump (an independent reader) sees the same values and byte order.
        let dump = try HDF5Tools.dump(url, dataset: "/group/x")
        let flat = dump.split(separator: "\n").filter { $0.contains("): ") }
            .map { $0.split(separator: ":", maxSplits: 1)[1].trimmingCharacters(in: .whitespaces) }
            .joined(separator: " ").replacingOccurrences(of: ",", with: "").split(separator: " ").joined(separator: ", ")
        #expect(flat == printed)
        if multiByte, testCase.element != .float16, testCase.element != .bfloat16 {
            #expect(dump.contains(testCase.order == .big ? "BE" : "LE"))
        }
    }

    @Test func scalarDataset() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("s.h5")
        let file = try HDF5File.create(url.path)
        let dataset = try file.root().createDataset("iteration", element: .int64, shape: [], bytes: bytes(of: [Int64(42)]))
        #expect(dataset.shape == [])
        #expect(dataset.elementCount == 1)
        #expect(values(try dataset.read(), as: Int64.self) == [42])
    }

    @Test func bfloat16StoredAsOpaqueReadsAsBFloat16() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("bf.h5")
        let data = bytes(of: [UInt16(0x3F80), 0x4000])
        do {
            let file = try HDF5File.create(url.path)
            try file.root().createDataset("x", element: .bfloat16, shape: [2], bytes: data,
                                          options: HDF5DatasetOptions(bfloat16AsOpaque: true))
        }
        #expect(try HDF5Tools.dump(url, dataset: "/x").contains("H5T_OPAQUE"))
        let dataset = try HDF5File.open(url.path).dataset("x")
        #expect(dataset.type.typeClass == "opaque")
        #expect(dataset.type.elementType == .bfloat16)
        #expect(try dataset.read() == data)
    }

    @Test func writeInPlaceChangesOnlyThatDatasetsData() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let directory = scratch.directory
        let original = directory.appendingPathComponent("original.h5")
        do {
            let file = try HDF5File.create(original.path)
            let root = try file.root()
            try root.createDataset("a", element: .float32, shape: [4, 3], bytes: bytes(of: (0..<12).map(Float.init)),
                                   options: HDF5DatasetOptions(byteOrder: .big))
            try root.createDataset("b", element: .float64, shape: [6], bytes: bytes(of: (0..<6).map(Double.init)),
                                   options: HDF5DatasetOptions(chunks: [4], filters: [.shuffle, .deflate(level: 6)]))
            try root.createDataset("c", element: .int16, shape: [2], bytes: bytes(of: [Int16(7), 8]))
            try root.group("/").setAttribute("kind", .string("test"))
        }
        let copy = directory.appendingPathComponent("copy.h5")
        try FileManager.default.copyItem(at: original, to: copy)
        let newA = (0..<12).map { Float($0) * 0.25 - 1 }
        let newB = (0..<6).map { Double($0) * 1e-3 }
        do {
            let file = try HDF5File.open(copy.path, mode: .readWrite)
            try file.dataset("a").write(bytes(of: newA))
            try file.dataset("/b").write(bytes(of: newB))
            try file.close()
        }
        let reread = try HDF5File.open(copy.path)
        #expect(values(try reread.dataset("a").read(), as: Float.self) == newA)
        #expect(values(try reread.dataset("b").read(), as: Double.self) == newB)
        #expect(try HDF5Tools.header(copy) == HDF5Tools.header(original))
        #expect(try HDF5Tools.diff(original, copy, object: "/c").status == 0)
        #expect(try HDF5Tools.diff(original, copy, object: "/a").status == 1)
        #expect(try HDF5Tools.diff(original, copy, object: "/b").status == 1)
        // The big-endian contiguous dataset is rewritten where it was, in
        // its own byte order.
        let copyBytes = try Data(contentsOf: copy)
        let bigEndianA = Data(newA.flatMap { withUnsafeBytes(of: $0.bitPattern.bigEndian) { Array($0) } })
        #expect(copyBytes.range(of: bigEndianA) != nil)
    }

    @Test func writeRejectsWrongByteCount() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("w.h5")
        let file = try HDF5File.create(url.path)
        let dataset = try file.root().createDataset("x", element: .float32, shape: [3], bytes: bytes(of: [Float](repeating: 0, count: 3)))
        let error = try #require(throws: HDF5Error.self) { try dataset.write(bytes(of: [Float(1)])) }
        #expect(error.description.contains("/x"))
        #expect(error.description.contains("4 bytes given for 3 elements"))
    }

    @Test func unavailableFilterIsReportedAndWritesAreRefused() throws {
        let scratch = try Scratch()
        defer { scratch.remove() }
        let url = scratch.file("lzf.h5")
        let data = bytes(of: (0..<8).map(Float.init))
        do {
            // h5py adds LZF (id 32000) as an optional filter; this libhdf5
            // lacks it, so the chunks are stored unfiltered and marked so.
            let file = try HDF5File.create(url.path)
            try file.root().createDataset("x", element: .float32, shape: [8], bytes: data,
                                          options: HDF5DatasetOptions(chunks: [4], filters: [.custom(id: 32000, optional: true, parameters: [4, 3, 32])]))
        }
        let file = try HDF5File.open(url.path, mode: .readWrite)
        let dataset = try file.dataset("x")
        #expect(dataset.filters.count == 1)
        #expect(dataset.filters[0].id == 32000)
        #expect(dataset.filters[0].isAvailable == false)
        #expect(dataset.filters[0].isOptional)
        #expect(dataset.unwritableFilter?.id == 32000)
        #expect(try dataset.read() == data)
        let error = try #require(throws: HDF5Error.self) { try dataset.write(data) }
        #expect(error.description.contains(url.path))
        #expect(error.description.contains("/x"))
        #expect(error.description.contains("lzf"))
        #expect(error.description.contains("32000"))
    }
}
