import Foundation
import Testing
import TestSupport

/// `fulcrum inspect`, run as a user runs it, against the manifest.
@Suite struct InspectCommandTests {
    /// Every format the opener reads.
    static let formats: Set<String> = ["npy", "npz", "safetensors", "keras_h5", "keras_weights_h5",
                                       "keras3_weights_h5", "hdf5_state_dict", "keras_archive"]
    /// Formats whose files carry a model config.
    static let formatsWithArchitecture: Set<String> = ["keras_h5", "keras_archive"]

    /// Fixtures whose data libhdf5 cannot decode (h5py's LZF filter):
    /// inspect must refuse them, see `unreadableFilterIsRefused`.
    static let unreadable: Set<String> = ["hdf5_variants/lzf.h5"]

    @Test(arguments: FixtureManifest.paths(formats: formats).filter { !unreadable.contains($0) })
    func jsonReportMatchesTheManifest(path: String) throws {
        let entry = try FixtureManifest.file(path)
        let result = try Tool.run(["inspect", Fixtures.url(path).path, "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(Set(document.keys) == ["file", "format", "framework", "tensors", "architecture"])
        #expect(document["file"] as? String == Fixtures.url(path).path)
        #expect(document["format"] as? String == entry.format)
        #expect(document["framework"] as? String == entry.framework)
        if InspectCommandTests.formatsWithArchitecture.contains(entry.format) {
            let architecture = try #require(document["architecture"] as? [String: Any], "\(path): no architecture")
            #expect(Set(architecture.keys) == ["class_name", "name", "layers", "json"])
            #expect(architecture["class_name"] is String)
            let layers = try #require(architecture["layers"] as? [[String: Any]])
            #expect(!layers.isEmpty && layers.allSatisfy { $0["name"] is String && $0["class_name"] is String })
        } else {
            #expect(document["architecture"] is NSNull, "\(path)")
        }
        let tensors = try #require(document["tensors"] as? [[String: Any]])
        #expect(tensors.map { $0["name"] as? String } == entry.tensors.map(\.name))
        for (row, expected) in zip(tensors, entry.tensors) {
            #expect(Set(row.keys) == ["name", "shape", "dtype", "bytes", "min", "max", "mean", "std", "nan_count", "inf_count"])
            #expect(row["shape"] as? [Int] == expected.shape)
            #expect(row["dtype"] as? String == expected.dtype)
            let elementSize = ["float16": 2, "bfloat16": 2, "float32": 4, "float64": 8, "int64": 8, "int32": 4, "bool": 1]
            if let size = elementSize[expected.dtype] {
                #expect(row["bytes"] as? Int == expected.values.count * size)
            }
            #expect(row["nan_count"] as? Int == expected.nanCount)
            #expect(row["inf_count"] as? Int == expected.infCount)
            for key in ["min", "max", "mean", "std"] {
                let theirs: Double? = switch key {
                case "min": expected.min?.value
                case "max": expected.max?.value
                case "mean": expected.mean?.value
                default: expected.std?.value
                }
                guard let theirs else { #expect(row[key] is NSNull); continue }
                let ours = try #require((row[key] as? NSNumber)?.doubleValue, "\(path) \(expected.name) \(key)")
                #expect(abs(ours - theirs) <= 1e-12 * max(1, abs(theirs)), "\(path) \(expected.name) \(key): \(ours) vs \(theirs)")
            }
        }
    }

    @Test func textReportListsEveryTensorInAnAlignedTable() throws {
        let path = "torch_mlp/model.safetensors"
        let entry = try FixtureManifest.file(path)
        let result = try Tool.run(["inspect", Fixtures.url(path).path])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.contains("format:    safetensors"))
        #expect(lines.contains("framework: pytorch"))
        let headerLine = try #require(lines.first { $0.hasPrefix("name ") })
        let dtypeColumn = try #require(headerLine.range(of: "dtype")).lowerBound.utf16Offset(in: headerLine)
        for tensor in entry.tensors {
            let line = try #require(lines.first { $0.hasPrefix(tensor.name + " ") }, "no row for \(tensor.name)")
            // The dtype column starts at the same place in every row.
            let column = try #require(line.range(of: tensor.dtype)).lowerBound.utf16Offset(in: line)
            #expect(column == dtypeColumn)
            let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
            #expect(line.contains(shape))
        }
    }

    @Test func textReportShowsTheKerasLayers() throws {
        let result = try Tool.run(["inspect", Fixtures.url("keras_mlp/model.h5").path])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("format:    keras_h5"))
        #expect(lines.contains("architecture: Sequential 'sequential', 4 layers"))
        for (layer, className) in [("input_layer", "InputLayer"), ("dense", "Dense"), ("dense_1", "Dense"), ("dense_2", "Dense")] {
            #expect(lines.contains { $0.split(separator: " ").map(String.init) == [layer, className] }, "no row for layer \(layer)")
        }
    }

    @Test func unreadableFilterIsRefused() throws {
        let path = Fixtures.url("hdf5_variants/lzf.h5").path
        let result = try Tool.run(["inspect", path, "--json"])
        #expect(result.status == 2)
        #expect(result.stderr.contains(path))
        #expect(result.stderr.contains("filter 'lzf'"))
        #expect(result.stdout.isEmpty)
    }

    @Test func specialValuesAreCountedInText() throws {
        let result = try Tool.run(["inspect", Fixtures.url("npy/special_values.npy").path])
        #expect(result.status == 0)
        let row = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("special_values ") })
        let cells = row.split(separator: " ")
        #expect(cells.suffix(2) == ["1", "2"])  // nan, inf
    }

    @Test func badFileExitsWithCodeTwoAndNamesIt() throws {
        let directory = try Fixtures.temporaryDirectory("fulcrum-cli")
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("garbage.safetensors")
        try Data("definitely not weights".utf8).write(to: bad)
        let result = try Tool.run(["inspect", bad.path])
        #expect(result.status == 2)
        #expect(result.stderr.hasPrefix("fulcrum: error: \(bad.path): not a weight file"))
        #expect(result.stdout.isEmpty)

        let missing = try Tool.run(["inspect", directory.appendingPathComponent("missing.npz").path, "--json"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("missing.npz: no such file"))
    }
}

/// Every broken fixture the manifest lists is refused with its exit code and
/// a message naming it, never a crash.
@Suite struct BadFixtureTests {
    @Test func manifestListsBadInputs() throws {
        #expect(try !(FixtureManifest.load().badInputs ?? []).isEmpty)
    }

    @Test(arguments: FixtureManifest.badInputPaths())
    func badFixtureIsRefused(path: String) throws {
        let entry = try FixtureManifest.badInput(path)
        let result = try Tool.run(entry.command + [Fixtures.url(path).path])
        #expect(result.status == entry.expectedExit, "\(path): \(result.stderr)")
        #expect(result.stderr.hasPrefix("fulcrum: error: "))
        #expect(result.stderr.contains(entry.messageContains), "\(path): \(result.stderr)")
    }
}
