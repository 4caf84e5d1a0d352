import Foundation
import FuzzSupport
import Network
import WeightFiles

/// The fixture state dicts that specs are checked against (read once).
let weightFiles: [any WeightFile] = {
    let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("fixtures")
    return ["torch_mlp", "torch_cnn", "torch_resnet", "torch_blockers", "torch_input_skip"].map { name in
        let url = fixtures.appendingPathComponent(name).appendingPathComponent("model.safetensors")
        do { return try SafetensorsFile(url: url) } catch { fatalError("fuzz target needs the fixtures: \(error)") }
    }
}()

/// A network spec: the text is read as YAML, and also as JSON when it
/// starts with `{`, against each fixture state dict whose tensor names it
/// mentions (the first one when it mentions none); a spec that builds
/// goes on through the homogeneity analysis. Every refusal must be a
/// `NetworkError` or `WeightFileError` naming the spec (or the weight file).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSpec(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let text = String(decoding: UnsafeRawBufferPointer(start: start, count: count), as: UTF8.self)
    var paths = ["/fuzz/spec.yaml"]
    if text.drop(while: \.isWhitespace).first == "{" { paths.append("/fuzz/spec.json") }
    // Only the state dicts whose tensor names the spec mentions (parsing the
    // same text against files it cannot fit only repeats the same refusal).
    let relevant = weightFiles.filter { file in file.tensorNames.contains { text.contains($0) } }
    for path in paths {
        for file in relevant.isEmpty ? [weightFiles[0]] : relevant {
            do {
                let network = try SpecNetworkBuilder.network(specText: text, specPath: path, file: file)
                _ = try HomogeneityAnalysis(network: network, file: file)
            } catch let error as WeightFileError {
                checkRefusal(error, naming: file.url.path)
            } catch let error as NetworkError where !error.description.contains(path) {
                checkRefusal(error, naming: file.url.path)
            } catch {
                checkRefusal(error, naming: path)
            }
        }
    }
    return 0
}
