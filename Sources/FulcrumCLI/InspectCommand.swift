import ArgumentParser
import Foundation
import WeightFiles

/// `fulcrum inspect FILE [--json]`: what a weight file holds.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show the format, framework, tensors and architecture of a weight file.",
        discussion: """
        The format is recognised by the file's contents (NumPy .npy and .npz, safetensors, \
        HDF5 from Keras or PyTorch, Keras .keras archives), not by its extension. Every tensor \
        is listed with its name as the file spells it, shape, dtype (NumPy's names), size in \
        bytes, min/max/mean/std over its finite elements, and its counts of NaN and infinite \
        elements. Keras files also show the model's layers.

        With --json the report is one JSON document with the keys file, format, framework, \
        tensors (name, shape, dtype, bytes, min, max, mean, std, nan_count, inf_count) and \
        architecture (null, or class_name, name, layers [{name, class_name}] and json).

        Examples:
          fulcrum inspect fixtures/keras_cnn/model.keras
          fulcrum inspect fixtures/torch_mlp/model.safetensors --json

        Exit codes: 0 success, 2 the file is missing or not a readable weight file, \
        64 usage error.
        """
    )

    @Argument(help: "The weight file to inspect.", completion: .file())
    var file: String

    @Flag(name: .long, help: "Print one JSON document instead of the table.")
    var json = false

    func run() throws {
        let opened = try WeightFileOpener.open(URL(fileURLWithPath: file))
        let report = try InspectReport(file: opened, displayPath: file)
        let output = json ? report.json.rendered() + "\n" : report.text
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
