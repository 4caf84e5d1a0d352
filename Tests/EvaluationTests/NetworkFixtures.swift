import Foundation
import TestSupport
import WeightFiles

/// fixtures/manifest.json read with Foundation (never with our own readers):
/// every file's tensors with their values, every network's probes.
struct NetworkFixtures {
    struct File {
        var path: String
        var format: String
        var network: String?
        /// The tensors in the file's order, built from the manifest's values.
        var tensors: [Tensor]
    }

    struct NetworkEntry {
        var name: String
        var layout: String
        var spec: String?
        var inputShape: [Int]
        var probeInputs: [[Double]]
        var probeOutputs: [[Double]]
    }

    var files: [File]
    var networks: [String: NetworkEntry]

    /// Loaded once per test process.
    static let shared: NetworkFixtures = {
        do { return try NetworkFixtures(url: Fixtures.url("manifest.json")) } catch {
            return NetworkFixtures(files: [], networks: [:])
        }
    }()

    /// Names of every network with probes, sorted (the test arguments); a
    /// name no network has when the manifest cannot be read, so the tests
    /// fail instead of running on nothing.
    static var networkNames: [String] {
        let names = shared.networks.keys.sorted()
        return names.isEmpty ? ["(fixtures/manifest.json unreadable)"] : names
    }

    init(files: [File], networks: [String: NetworkEntry]) { self.files = files; self.networks = networks }

    init(url: URL) throws {
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url))
        guard let root = object as? [String: Any], let files = root["files"] as? [[String: Any]],
              let networks = root["networks"] as? [String: [String: Any]] else {
            throw FixtureError("manifest.json has no files/networks")
        }
        self.files = try files.map(NetworkFixtures.file)
        self.networks = try networks.mapValues { entry in
            guard let layout = entry["layout"] as? String, let shape = entry["input_shape"] as? [Int],
                  let inputs = entry["probe_inputs"] as? [[Any]], let outputs = entry["probe_outputs"] as? [[Any]] else {
                throw FixtureError("manifest network entry is incomplete")
            }
            return NetworkEntry(name: "", layout: layout, spec: entry["spec"] as? String, inputShape: shape,
                                probeInputs: try inputs.map { try $0.map(NetworkFixtures.number) },
                                probeOutputs: try outputs.map { try $0.map(NetworkFixtures.number) })
        }
        for key in self.networks.keys { self.networks[key]?.name = key }
    }

    /// The file entry at `path`.
    func file(_ path: String) throws -> File {
        guard let file = files.first(where: { $0.path == path }) else { throw FixtureError("no fixture \(path)") }
        return file
    }

    /// The network entry named `name`.
    func network(_ name: String) throws -> NetworkEntry {
        guard let network = networks[name] else { throw FixtureError("no fixture network \(name)") }
        return network
    }

    private static func file(_ entry: [String: Any]) throws -> File {
        guard let path = entry["path"] as? String, let format = entry["format"] as? String,
              let tensors = entry["tensors"] as? [[String: Any]] else {
            throw FixtureError("manifest file entry is incomplete")
        }
        return File(path: path, format: format, network: entry["network"] as? String, tensors: try tensors.map { t in
            guard let name = t["name"] as? String, let shape = t["shape"] as? [Int],
                  let dtypeName = t["dtype"] as? String, let dtype = DType(rawValue: dtypeName),
                  let values = t["values"] as? [Any] else {
                throw FixtureError("tensor entry in \(path) is incomplete or has an unknown dtype")
            }
            return try Tensor(name: name, dtype: dtype, shape: shape, values: values.map(number))
        })
    }

    /// A JSON number, or "nan" / "inf" / "-inf".
    static func number(_ value: Any) throws -> Double {
        if let number = value as? NSNumber { return number.doubleValue }
        switch value as? String {
        case "nan": return .nan
        case "inf": return .infinity
        case "-inf": return -.infinity
        default: throw FixtureError("not a number in manifest: \(value)")
        }
    }
}

struct FixtureError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
