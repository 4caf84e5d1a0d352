import ArgumentParser
import Foundation
import WeightFiles

/// `fulcrum convert IN OUT`: the same tensors in another container format.
struct ConvertCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Copy every tensor of a weight file into a file of another format.",
        discussion: """
        IN may be any weight file fulcrum reads. The format of OUT follows its extension: \
        .npz (a NumPy archive, one NAME.npy member per tensor), .safetensors, .h5 or .hdf5 \
        (a flat HDF5 state dict, one dataset per tensor), or .npy (only when IN holds exactly \
        one tensor). Names, dtypes, shapes and values are kept bit for bit, in IN's order. \
        OUT is written atomically and replaced if it exists.

        Example:
          fulcrum convert fixtures/torch_mlp/model.npz model.safetensors

        Exit codes: 0 success, 2 IN is not readable or OUT cannot be written, 64 usage error \
        (e.g. an unknown OUT extension).
        """
    )

    @Argument(help: "The weight file to read.", completion: .file())
    var input: String

    @Argument(help: "The file to write; its extension (.npz, .safetensors, .h5, .hdf5, .npy) chooses the format.",
              completion: .file())
    var output: String

    /// The output formats `convert` writes.
    enum Target: String, CaseIterable {
        case npz, safetensors, hdf5, npy

        init?(path: String) {
            switch URL(fileURLWithPath: path).pathExtension.lowercased() {
            case "npz": self = .npz
            case "safetensors": self = .safetensors
            case "h5", "hdf5": self = .hdf5
            case "npy": self = .npy
            default: return nil
            }
        }
    }

    func validate() throws {
        guard Target(path: output) != nil else {
            throw ValidationError("cannot tell the output format of '\(output)': use the extension .npz, .safetensors, .h5, .hdf5 or .npy")
        }
    }

    func run() throws {
        guard let target = Target(path: output) else { throw ValidationError("unknown output extension") }
        let source = try WeightFileOpener.open(URL(fileURLWithPath: input))
        let tensors = try source.readAll()
        try WeightFileConverter.write(tensors, to: URL(fileURLWithPath: output), as: target.format)
        let message = "wrote \(tensors.count) tensors from \(input) (\(source.format.rawValue)) to \(output) (\(target.rawValue))\n"
        FileHandle.standardOutput.write(Data(message.utf8))
    }
}

extension ConvertCommand.Target {
    var format: FileFormat {
        switch self {
        case .npz: return .npz
        case .safetensors: return .safetensors
        case .hdf5: return .hdf5StateDict
        case .npy: return .npy
        }
    }
}
