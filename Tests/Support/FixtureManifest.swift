import Foundation

/// `fixtures/manifest.json`, read with Foundation's JSONDecoder (never with
/// fulcrum's own readers): what NumPy, h5py and safetensors say each fixture
/// holds.
public struct FixtureManifest: Decodable, Sendable {
    /// A number as the manifest writes it: a JSON number, a boolean, or
    /// one of the strings "nan", "inf", "-inf".
    public struct Number: Decodable, Sendable, Equatable {
        public var value: Double

        public init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Double.self) { value = number; return }
            if let flag = try? container.decode(Bool.self) { value = flag ? 1 : 0; return }
            let text = try container.decode(String.self)
            switch text {
            case "nan": value = .nan
            case "inf": value = .infinity
            case "-inf": value = -.infinity
            default:
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "not a number: \(text)")
            }
        }

        /// True when `other` is the same value: equal with the same sign
        /// (so -0.0 differs from 0.0), or both NaN.
        public func isIdentical(to other: Double) -> Bool {
            if value.isNaN { return other.isNaN }
            return value == other && value.sign == other.sign
        }
    }

    public struct TensorEntry: Decodable, Sendable {
        public var name: String
        public var shape: [Int]
        /// NumPy's dtype name; bf16 is "bfloat16".
        public var dtype: String
        /// Every element in C order.
        public var values: [Number]
        public var min: Number?
        public var max: Number?
        public var mean: Number?
        public var std: Number?
        public var nanCount: Int
        public var infCount: Int

        enum CodingKeys: String, CodingKey {
            case name, shape, dtype, values, min, max, mean, std
            case nanCount = "nan_count", infCount = "inf_count"
        }
    }

    public struct FileEntry: Decodable, Sendable {
        /// Relative to fixtures/.
        public var path: String
        public var format: String
        public var framework: String
        public var network: String?
        /// In the file's own order.
        public var tensors: [TensorEntry]
        public var notes: String?
    }

    /// A deliberately broken file and what the tool must do with it.
    public struct BadInput: Decodable, Sendable {
        /// Relative to fixtures/.
        public var path: String
        /// The subcommand (and options) to run on it, e.g. ["inspect"].
        public var command: [String]
        public var expectedExit: Int32
        /// A fragment the error message must contain.
        public var messageContains: String
        /// What is wrong with the file.
        public var problem: String?

        enum CodingKeys: String, CodingKey {
            case path, command, problem
            case expectedExit = "expected_exit", messageContains = "message_contains"
        }
    }

    /// One network of the manifest: how to build it and what the framework
    /// computed on the probe inputs.
    public struct NetworkEntry: Decodable, Sendable {
        public var framework: String
        public var layout: String
        /// The spec file under fixtures/, or nil for Keras files that carry
        /// their architecture.
        public var spec: String?
        public var inputShape: [Int]
        public var probeInputs: [[Number]]
        public var probeOutputs: [[Number]]

        enum CodingKeys: String, CodingKey {
            case framework, layout, spec
            case inputShape = "input_shape", probeInputs = "probe_inputs", probeOutputs = "probe_outputs"
        }
    }

    public var files: [FileEntry]
    public var badInputs: [BadInput]?
    public var networks: [String: NetworkEntry]

    enum CodingKeys: String, CodingKey {
        case files, badInputs = "bad_inputs", networks
    }

    /// Every file entry that holds a network whose values can be read (all
    /// but the LZF-compressed one, which libhdf5 cannot decode), in manifest
    /// order (for `@Test(arguments:)`).
    public static func networkFilePaths() -> [String] {
        (shared?.files ?? []).filter { $0.network != nil && !$0.path.contains("lzf") }.map(\.path)
    }

    /// The network entry of the file at `path`.
    public static func network(ofFile path: String) throws -> NetworkEntry {
        let manifest = try shared ?? load()
        guard let name = try file(path).network, let entry = manifest.networks[name] else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return entry
    }

    /// The committed manifest, or nil when it is missing or unreadable (the
    /// tests that need it then fail on `FixtureManifest.load()`).
    public static let shared: FixtureManifest? = try? load()

    /// Reads `fixtures/manifest.json`.
    public static func load() throws -> FixtureManifest {
        let data = try Data(contentsOf: Fixtures.url("manifest.json"))
        return try JSONDecoder().decode(FixtureManifest.self, from: data)
    }

    /// The paths of every file entry whose format is in `formats`, in
    /// manifest order (for `@Test(arguments:)`).
    public static func paths(formats: Set<String>) -> [String] {
        (shared?.files ?? []).filter { formats.contains($0.format) }.map(\.path)
    }

    /// The paths of every bad-input entry (for `@Test(arguments:)`).
    public static func badInputPaths() -> [String] {
        (shared?.badInputs ?? []).map(\.path)
    }

    /// The bad-input entry for `path`.
    public static func badInput(_ path: String) throws -> BadInput {
        guard let entry = try (shared ?? load()).badInputs?.first(where: { $0.path == path }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return entry
    }

    /// The entry for `path`.
    public static func file(_ path: String) throws -> FileEntry {
        guard let entry = try (shared ?? load()).files.first(where: { $0.path == path }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSFilePathErrorKey: path])
        }
        return entry
    }
}
