import Foundation
import Testing
import TestSupport
@testable import WeightFiles

@Suite struct NPYParsingTests {
    static func header(_ text: String, data: Int = 64) throws -> NPYHeader {
        try NPYHeader.parse(BadInputTests.npy(header: text, data: data), path: "t.npy")
    }

    @Test(arguments: [
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }",
        "{'shape': (2, 3), 'descr': '<f4', 'fortran_order': False}",
        "{ 'fortran_order' : False , 'shape':(2,3,), \"descr\": '<f4' }   \n",
        "{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 3L), }",
    ])
    func keysInAnyOrderAndTrailingCommas(text: String) throws {
        let parsed = try NPYParsingTests.header(text)
        #expect(parsed.shape == [2, 3])
        #expect(parsed.descr.dtype == .float32 && parsed.descr.byteOrder == .little)
        #expect(!parsed.fortranOrder)
    }

    @Test func scalarsAndOneDimensionalShapes() throws {
        #expect(try NPYParsingTests.header("{'descr': '<f8', 'fortran_order': False, 'shape': ()}").shape == [])
        #expect(try NPYParsingTests.header("{'descr': '<f8', 'fortran_order': False, 'shape': (5,)}").shape == [5])
        #expect(try NPYParsingTests.header("{'descr': '<f8', 'fortran_order': True, 'shape': (0, 3)}").dataByteCount == 0)
    }

    @Test(arguments: [
        ("<f2", DType.float16, ByteOrder.little), (">f4", .float32, .big), ("=f8", .float64, .little),
        ("|i1", .int8, .little), (">i2", .int16, .big), ("<i4", .int32, .little), (">i8", .int64, .big),
        ("|u1", .uint8, .little), ("<u2", .uint16, .little), (">u4", .uint32, .big), ("<u8", .uint64, .little),
        ("|b1", .bool, .little), ("<V2", .bfloat16, .little), ("|V2", .bfloat16, .little), (">V2", .bfloat16, .big),
    ])
    func descriptors(text: String, dtype: DType, order: ByteOrder) throws {
        let descr = try #require(NPYDescr(text))
        #expect(descr.dtype == dtype)
        #expect(descr.byteOrder == order)
    }

    @Test(arguments: ["<c8", "<f16", "<U5", "|O", "<M8[ns]", "V4", ""])
    func unsupportedDescriptors(text: String) {
        #expect(NPYDescr(text) == nil)
    }

    @Test(arguments: DType.allCases)
    func newHeadersRoundTrip(dtype: DType) throws {
        let shape = [3, 1, 2]
        let bytes = NPYHeader.encoded(dtype: dtype, shape: shape)
        #expect(bytes.count % 64 == 0)
        let parsed = try NPYHeader.parse(Data(bytes + [UInt8](repeating: 0, count: 6 * dtype.byteCount)), path: "t.npy")
        #expect(parsed.descr.dtype == dtype && parsed.shape == shape && parsed.dataOffset == bytes.count)
    }

    /// NumPy's own `np.save` output is reproduced byte for byte.
    @Test(arguments: ["npy/f32_le_v1.npy", "npy/f16.npy", "npy/bf16.npy", "npy/int64.npy", "npy/scalar.npy",
                      "npy/tensor3d.npy", "npy/special_values.npy"])
    func createdFilesMatchNumPy(path: String) throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-npy")
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try NPYFile(url: Fixtures.url(path))
        let output = directory.appendingPathComponent("copy.npy")
        try NPYFile.create(at: output, tensor: try source.read(source.name))
        #expect(try Data(contentsOf: output) == Data(contentsOf: Fixtures.url(path)))
    }

    @Test func fortranReorderingIsItsOwnInverse() {
        for shape in [[2, 3], [4, 1, 5], [2, 3, 4, 5], [7], [], [3, 0, 2]] {
            let count = shape.reduce(1, *)
            for size in [1, 2, 4, 8, 3] {
                let bytes = (0..<count * size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
                let fortran = ElementLayout.cToFortran(bytes, shape: shape, elementSize: size)
                #expect(ElementLayout.fortranToC(fortran, shape: shape, elementSize: size) == bytes, "\(shape) × \(size)")
            }
        }
        // (2, 3) C order 0 1 2 / 3 4 5 is 0 3 1 4 2 5 in Fortran order.
        #expect(ElementLayout.cToFortran([0, 1, 2, 3, 4, 5], shape: [2, 3], elementSize: 1) == [0, 3, 1, 4, 2, 5])
        // (2, 2, 2): element (i, j, k) sits at i + 2j + 4k in Fortran order.
        let c: [UInt8] = [0, 1, 2, 3, 4, 5, 6, 7]  // value = 4i + 2j + k
        let expected = (0..<8).map { f -> UInt8 in let i = f % 2, j = (f / 2) % 2, k = f / 4; return UInt8(4 * i + 2 * j + k) }
        #expect(ElementLayout.cToFortran(c, shape: [2, 2, 2], elementSize: 1) == expected)
    }

    @Test func byteSwappingTwiceRestores() {
        for size in [2, 4, 8, 3] {
            let original = (0..<size * 5).map { UInt8($0) }
            var bytes = original
            ElementLayout.swapBytes(&bytes, elementSize: size)
            #expect(Array(bytes.prefix(size)) == Array(original.prefix(size).reversed()))
            ElementLayout.swapBytes(&bytes, elementSize: size)
            #expect(bytes == original)
        }
    }

    @Test func pythonLiteralErrorsCarryTheirPosition() {
        #expect(throws: PythonLiteral.ParseError(offset: 6, reason: "unterminated string")) {
            _ = try PythonLiteral.parse("{'a': 'b")
        }
        #expect(throws: PythonLiteral.ParseError(offset: 6, reason: "expected ',' or ')'")) {
            _ = try PythonLiteral.parse("(1, 2 3)")
        }
    }
}
