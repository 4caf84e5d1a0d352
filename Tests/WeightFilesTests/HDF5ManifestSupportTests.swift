import Foundation
import Testing
import TestSupport

/// The HDF5 and `.keras` entries of fixtures/manifest.json, read with
/// Foundation's JSONDecoder (never with fulcrum's readers; JSONDecoder, not
/// JSONSerialization, because only it parses every float exactly).
struct HDF5ManifestFile: Decodable, Sendable, CustomTestStringConvertible {
    struct TensorEntry: Decodable, Sendable {
        var name: String
        var dtype: String
        var shape: [Int]
        /// Every element as a Double ("nan", "inf", "-inf" decoded).
        var values: [ManifestNumber]
        var doubles: [Double] { values.map(\.value) }
    }
    var path: String
    var format: String
    var framework: String
    var network: String?
    var tensors: [TensorEntry]
    var notes: String?

    var url: URL { Fixtures.url(path) }
    var testDescription: String { path }

    static let hdf5Formats: Set<String> = ["keras_h5", "keras_weights_h5", "keras3_weights_h5", "hdf5_state_dict"]

    private struct Manifest: Decodable { var files: [HDF5ManifestFile] }

    /// Every manifest file entry whose format is in `formats` (none when
    /// the manifest cannot be read, which `manifestListsTheHDF5Fixtures`
    /// reports).
    static func load(formats: Set<String>) -> [HDF5ManifestFile] {
        guard let data = try? Data(contentsOf: Fixtures.url("manifest.json")),
              let manifest = try? JSONDecoder().decode(Manifest.self, from: data) else { return [] }
        return manifest.files.filter { formats.contains($0.format) }
    }
}

/// A manifest number: a JSON number, or "nan", "inf", "-inf".
struct ManifestNumber: Decodable, Sendable {
    var value: Double
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let number = try? container.decode(Double.self) {
            value = number
            return
        }
        switch try container.decode(String.self) {
        case "nan": value = .nan
        case "inf": value = .infinity
        case "-inf": value = -.infinity
        case let other:
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number: \(other)")
        }
    }
}

/// Values equal element for element, NaN equal to NaN.
func sameValues(_ a: [Double], _ b: [Double]) -> Bool {
    a.count == b.count && zip(a, b).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
}

@Suite struct HDF5ManifestSupportTests {
    @Test func manifestListsTheHDF5Fixtures() {
        let files = HDF5ManifestFile.load(formats: HDF5ManifestFile.hdf5Formats.union(["keras_archive"]))
        #expect(files.count >= 10)
        #expect(Set(files.map(\.format)) == HDF5ManifestFile.hdf5Formats.union(["keras_archive"]))
        #expect(files.allSatisfy { FileManager.default.fileExists(atPath: $0.url.path) })
    }
}
