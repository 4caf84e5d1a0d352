import Foundation
import Testing
import TestSupport
@testable import WeightFiles

/// Broken files are refused with a message naming the file and the problem,
/// never a crash. The inputs are made here: no committed fixture is broken.
@Suite struct BadInputTests {
    /// Writes `bytes` to a fresh file called `name` and returns the error
    /// that opening it throws (failing the test when it opens).
    static func openError(_ bytes: Data, name: String) throws -> String {
        let directory = try Fixtures.temporaryDirectory("fulcrum-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(name)
        try bytes.write(to: url)
        do {
            let file = try WeightFileOpener.open(url)
            _ = try file.readAll()
        } catch let error as WeightFileError {
            let message = error.description
            #expect(message.contains(url.path), "message does not name the file: \(message)")
            return message
        }
        Issue.record("\(name) opened without an error")
        return ""
    }

    static func fixtureBytes(_ path: String) throws -> Data { try Data(contentsOf: Fixtures.url(path)) }

    /// A safetensors file: declared header size (default: the JSON's length),
    /// the JSON, then `dataBytes` zero bytes.
    static func safetensors(_ json: String, dataBytes: Int, declaredSize: UInt64? = nil) -> Data {
        let header = Array(json.utf8)
        let size = declaredSize ?? UInt64(header.count)
        var data = Data((0..<8).map { UInt8(truncatingIfNeeded: size >> (8 * UInt64($0))) })
        data.append(contentsOf: header)
        data.append(contentsOf: [UInt8](repeating: 0, count: dataBytes))
        return data
    }

    // MARK: any file

    @Test func wrongMagicNamesTheBytesSeen() throws {
        let message = try BadInputTests.openError(Data("hello, world: not weights".utf8), name: "notes.npy")
        #expect(message.contains("not a weight file"))
        #expect(message.contains("68 65 6c 6c 6f 2c 20 77"))
    }

    @Test func emptyFile() throws {
        #expect(try BadInputTests.openError(Data(), name: "empty.safetensors").contains("empty file"))
    }

    @Test func missingFileAndDirectory() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let missing = directory.appendingPathComponent("missing.npz")
        #expect(throws: WeightFileError.io(path: missing.path, reason: "no such file")) { _ = try WeightFileOpener.open(missing) }
        #expect(throws: WeightFileError.io(path: directory.path, reason: "is a directory, not a weight file")) {
            _ = try WeightFileOpener.open(directory)
        }
    }

    // MARK: npy

    @Test func truncatedNpyData() throws {
        let bytes = try BadInputTests.fixtureBytes("npy/f32_le_v1.npy")
        let message = try BadInputTests.openError(bytes.prefix(bytes.count - 5), name: "cut.npy")
        #expect(message.contains("truncated"))
        #expect(message.contains("needs 24 bytes of data after the header, but only 19 remain"))
    }

    @Test func truncatedNpyMagic() throws {
        let message = try BadInputTests.openError(Data([0x93, 0x4E, 0x55]), name: "stub.npy")
        #expect(message.contains("truncated"))
    }

    @Test func npyHeaderLengthBeyondTheFile() throws {
        var bytes = try BadInputTests.fixtureBytes("npy/f32_le_v1.npy")
        bytes[8] = 0xFF; bytes[9] = 0x7F  // header length 32767
        let message = try BadInputTests.openError(bytes, name: "long.npy")
        #expect(message.contains("header length 32767 runs past the end"))
    }

    @Test func npyVersion2HeaderLengthBeyondTheFile() throws {
        var bytes = try BadInputTests.fixtureBytes("npy/v2.npy")
        bytes[8] = 0; bytes[9] = 0; bytes[10] = 0; bytes[11] = 0x40  // 1 GiB
        let message = try BadInputTests.openError(bytes, name: "long2.npy")
        #expect(message.contains("header length 1073741824 runs past the end"))
    }

    static func npy(header: String, data: Int) -> Data {
        var bytes = Data(NPYHeader.magic + [1, 0])
        let text = Array(header.utf8)
        bytes.append(contentsOf: [UInt8(text.count & 0xFF), UInt8(text.count >> 8)])
        bytes.append(contentsOf: text)
        bytes.append(contentsOf: [UInt8](repeating: 0, count: data))
        return bytes
    }

    @Test func npyUnsupportedDescr() throws {
        let message = try BadInputTests.openError(
            BadInputTests.npy(header: "{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }\n", data: 16), name: "complex.npy")
        #expect(message.contains("unsupported dtype descr '<c8'"))
    }

    @Test func npyStructuredDescr() throws {
        let message = try BadInputTests.openError(
            BadInputTests.npy(header: "{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n", data: 4), name: "rec.npy")
        #expect(message.contains("structured dtypes"))
    }

    @Test func npyMissingKey() throws {
        let message = try BadInputTests.openError(
            BadInputTests.npy(header: "{'descr': '<f4', 'shape': (1,), }\n", data: 4), name: "keys.npy")
        #expect(message.contains("expected exactly 'descr', 'fortran_order' and 'shape'"))
    }

    @Test func npyHeaderThatIsNotALiteral() throws {
        let message = try BadInputTests.openError(
            BadInputTests.npy(header: "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1,)}\n", data: 4), name: "lit.npy")
        #expect(message.contains("not a Python dict literal"))
        #expect(message.contains("unknown name 'Maybe'"))
    }

    @Test func npyShapeOverflow() throws {
        let message = try BadInputTests.openError(
            BadInputTests.npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }\n", data: 4),
            name: "huge.npy")
        #expect(message.contains("more elements than fit"))
    }

    @Test func npyUnknownVersion() throws {
        var bytes = try BadInputTests.fixtureBytes("npy/f32_le_v1.npy")
        bytes[6] = 9
        #expect(try BadInputTests.openError(bytes, name: "v9.npy").contains("unsupported .npy format version 9.0"))
    }

    // MARK: npz

    @Test func zipThatIsNotAnNpz() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("archive.npz")
        try NPZFile.writeArchive([.init(path: "readme.txt", bytes: Data("hi".utf8), compressed: false,
                                        modificationDate: nil, permissions: nil)], to: url)
        do {
            _ = try WeightFileOpener.open(url)
            Issue.record("a zip of text opened as an npz")
        } catch let error as WeightFileError {
            #expect(error.description == "\(url.path): a zip archive but not an .npz: member 'readme.txt' is not a .npy array")
        }
    }

    @Test func truncatedNpz() throws {
        let bytes = try BadInputTests.fixtureBytes("torch_mlp/model.npz")
        let message = try BadInputTests.openError(bytes.prefix(bytes.count / 2), name: "half.npz")
        #expect(message.contains("not a readable zip archive"))
    }

    @Test func npzMemberWithACorruptChecksum() throws {
        var bytes = try BadInputTests.fixtureBytes("npy/positional.npz")
        // The first member's data: 128 bytes of .npy header after its magic.
        let magic = try #require(bytes.firstRange(of: Data(NPYHeader.magic)))
        bytes[magic.lowerBound + 130] ^= 0xFF
        let message = try BadInputTests.openError(bytes, name: "crc.npz")
        #expect(message.contains("member 'arr_0.npy'"))
        #expect(message.contains("CRC-32 checksum mismatch"))
    }

    @Test func npzMemberThatIsATruncatedNpy() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-bad")
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("cut.npz")
        let npy = try BadInputTests.fixtureBytes("npy/f32_le_v1.npy")
        try NPZFile.writeArchive([.init(path: "w.npy", bytes: npy.prefix(npy.count - 4), compressed: true,
                                        modificationDate: nil, permissions: nil)], to: url)
        do {
            _ = try WeightFileOpener.open(url)
            Issue.record("a truncated member opened")
        } catch let error as WeightFileError {
            #expect(error.description.hasPrefix("\(url.path): member 'w.npy': truncated"))
        }
    }

    // MARK: safetensors

    @Test func safetensorsHeaderSizeBeyondTheFile() throws {
        let message = try BadInputTests.openError(
            BadInputTests.safetensors("{}", dataBytes: 0, declaredSize: 5000), name: "big.safetensors")
        #expect(message.contains("header size 5000 runs past the end of the file"))
    }

    @Test func safetensorsAbsurdHeaderSize() throws {
        let message = try BadInputTests.openError(
            BadInputTests.safetensors("{}", dataBytes: 0, declaredSize: 1 << 40), name: "absurd.safetensors")
        #expect(message.contains("header size 1099511627776 exceeds the limit of 100000000 bytes"))
    }

    @Test func safetensorsOverlappingOffsets() throws {
        let json = #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}}"#
        let message = try BadInputTests.openError(BadInputTests.safetensors(json, dataBytes: 24), name: "overlap.safetensors")
        #expect(message.contains("tensor 'b': data_offsets [8, 24] overlap tensor 'a' at [0, 16]"))
    }

    @Test func safetensorsOffsetsOutOfRange() throws {
        let json = #"{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},"b":{"dtype":"F32","shape":[4],"data_offsets":[16,32]}}"#
        let message = try BadInputTests.openError(BadInputTests.safetensors(json, dataBytes: 20), name: "range.safetensors")
        #expect(message.contains("tensor 'b': data_offsets [16, 32] run past the end of the data buffer (20 bytes)"))
    }

    @Test func safetensorsGapAndTrailingBytes() throws {
        let gap = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        #expect(try BadInputTests.openError(BadInputTests.safetensors(gap, dataBytes: 8), name: "gap.safetensors")
            .contains("bytes [0, 4) of the data buffer belong to no tensor"))
        let trailing = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#
        #expect(try BadInputTests.openError(BadInputTests.safetensors(trailing, dataBytes: 12), name: "tail.safetensors")
            .contains("the tensors cover 4 bytes, but the data buffer holds 12"))
    }

    @Test func safetensorsUnknownDtype() throws {
        let json = #"{"a":{"dtype":"F8_E4M3","shape":[4],"data_offsets":[0,4]}}"#
        let message = try BadInputTests.openError(BadInputTests.safetensors(json, dataBytes: 4), name: "fp8.safetensors")
        #expect(message.contains("tensor 'a' has dtype 'F8_E4M3', which fulcrum does not read"))
    }

    @Test func safetensorsShapeProductOverflow() throws {
        let json = #"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#
        let message = try BadInputTests.openError(BadInputTests.safetensors(json, dataBytes: 4), name: "overflow.safetensors")
        #expect(message.contains("tensor 'a': shape [4611686018427387904, 4] has more elements than fit in 64 bits (overflow)"))
    }

    @Test func safetensorsByteLengthMismatch() throws {
        let json = #"{"a":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}}"#
        let message = try BadInputTests.openError(BadInputTests.safetensors(json, dataBytes: 8), name: "len.safetensors")
        #expect(message.contains("data_offsets [0, 8] hold 8 bytes, but shape [2] of F64 needs 16"))
    }

    @Test func safetensorsHeaderThatIsNotJSON() throws {
        let message = try BadInputTests.openError(BadInputTests.safetensors("{not json}", dataBytes: 0), name: "json.safetensors")
        #expect(message.contains("not a valid UTF-8 JSON object"))
    }

    @Test func safetensorsTooShortForTheSize() throws {
        // Sniffed as a weight file only from 9 bytes on: check the reader itself.
        #expect(throws: WeightFileError.malformed(path: "x.safetensors",
                reason: "truncated: 5 bytes, too short for the 8-byte safetensors header size")) {
            _ = try SafetensorsHeader.parse(Data([1, 2, 3, 4, 5]), path: "x.safetensors")
        }
    }
}
