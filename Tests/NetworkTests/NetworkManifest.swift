import Foundation
import TestSupport

/// The parts of fixtures/manifest.json the network tests read: which
/// network each weight file holds, and for each network its spec, input
/// shape, probe inputs and framework outputs, and expected `check` counts.
struct NetworkManifest: Decodable {
    struct File: Decodable {
        var path: String
        var format: String
        var network: String?
    }

    struct Blocked: Decodable {
        var node: String
        var count: Int
        var reasonContains: String
        enum CodingKeys: String, CodingKey { case node, count, reasonContains = "reason_contains" }
    }

    struct ExpectedCheck: Decodable {
        var rescalableUnits: Int
        var groups: Int
        var blocked: [Blocked]
        enum CodingKeys: String, CodingKey { case rescalableUnits = "rescalable_units", groups, blocked }
    }

    /// A number that may be written as "nan", "inf" or "-inf".
    struct Number: Decodable {
        var value: Double
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let double = try? container.decode(Double.self) { value = double; return }
            switch try container.decode(String.self) {
            case "nan": value = .nan
            case "inf": value = .infinity
            case "-inf": value = -.infinity
            case let other:
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number: \(other)")
            }
        }
    }

    struct NetworkEntry: Decodable {
        var framework: String
        var layout: String
        var spec: String?
        var inputShape: [Int]
        var probeInputs: [[Number]]
        var probeOutputs: [[Number]]
        var expectedCheck: ExpectedCheck
        enum CodingKeys: String, CodingKey {
            case framework, layout, spec, inputShape = "input_shape", probeInputs = "probe_inputs"
            case probeOutputs = "probe_outputs", expectedCheck = "expected_check"
        }
    }

    var files: [File]
    var networks: [String: NetworkEntry]

    /// The committed manifest; throws when it is missing or unreadable.
    static func load() throws -> NetworkManifest {
        let data = try Data(contentsOf: Fixtures.url("manifest.json"))
        return try JSONDecoder().decode(NetworkManifest.self, from: data)
    }

    static let shared: NetworkManifest? = try? load()

    /// Every weight file that holds a network, for `@Test(arguments:)`.
    static var networkFiles: [String] {
        (shared?.files ?? []).filter { $0.network != nil }.map(\.path)
    }

    /// The file whose first tensor is compressed with h5py's LZF filter,
    /// which libhdf5 lacks: its network can be analysed (shapes only), but
    /// its values cannot be read.
    static let unreadableFile = "hdf5_variants/lzf.h5"

    /// Every network file whose values can be read (all but `unreadableFile`).
    static var readableNetworkFiles: [String] {
        networkFiles.filter { $0 != unreadableFile }
    }

    /// The file entry and its network entry for `path`.
    static func entry(_ path: String) throws -> (File, String, NetworkEntry) {
        let manifest = try shared ?? load()
        guard let file = manifest.files.first(where: { $0.path == path }), let key = file.network,
              let network = manifest.networks[key] else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return (file, key, network)
    }
}
