import ArgumentParser
import Foundation
import Network
import WeightFiles

/// `fulcrum check FILE [--spec S] [--activation A] [--json]`: which units of
/// a network can be rescaled without changing its function, and why the
/// others cannot.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Show which hidden units of a network can be rescaled, and why the others cannot.",
        discussion: """
        The network comes from, in order: the --spec file (YAML or JSON) when given; the \
        architecture a Keras file carries (model_config or config.json); else a chain inferred \
        from the tensor names and shapes in file order, with --activation between layers. What \
        was assumed is printed, and fulcrum refuses when the shapes do not chain.

        A unit (an output channel of a linear, conv2d or batchnorm layer) is rescalable when \
        every path from it passes only homogeneous ops (relu, leaky_relu, prelu, identity, \
        pooling, flatten, reshape, add, concatenate) into linear or conv2d layers. Channels \
        joined by a residual add share one scale. A unit feeding a batchnorm is blocked (the \
        batchnorm output is rescaled instead); so are units feeding any other op (tanh, gelu, \
        relu6, ...) and the network's input and output units. Blocked units are information, \
        not failure.

        With --json the report is one JSON document with the keys file, source \
        (keras_config | spec | inferred), assumptions, layers [{name, op, units, rescalable, \
        blocked}], rescalable_units, groups, blocked_units [{node, index, reason}] and \
        residual_groups [{id, units}].

        Examples:
          fulcrum check fixtures/keras_resnet/model.keras
          fulcrum check fixtures/torch_cnn/model.safetensors \\
              --spec fixtures/torch_cnn/spec.yaml --json

        Exit codes: 0 the network was understood, 2 the file, spec or inferred chain is not \
        usable (missing tensor, shapes that do not fit), 64 usage error.
        """
    )

    @Argument(help: "The weight file to check.", completion: .file())
    var file: String

    @Option(name: .long, help: "A network spec (YAML or JSON) naming the tensors and the wiring.",
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var spec: String?

    @Option(name: .long, help: ArgumentHelp(
        "The activation assumed between inferred layers: relu, leaky_relu (slope 0.01, or leaky_relu:0.2), identity, or a blocker such as tanh.",
        valueName: "activation"))
    var activation = "relu"

    @Flag(name: .long, help: "Print one JSON document instead of the table.")
    var json = false

    func validate() throws {
        let name = activation.trimmingCharacters(in: .whitespaces)
        if name.isEmpty { throw ValidationError("--activation needs a name, e.g. relu") }
        if name.lowercased() == "prelu" {
            throw ValidationError("--activation prelu needs its slope tensors; describe the network with --spec")
        }
    }

    func run() throws {
        let opened = try WeightFileOpener.open(URL(fileURLWithPath: file))
        let report = try CheckReport(file: opened, displayPath: file, spec: spec,
                                     activation: Activation.named(activation, defaultLeakySlope: 0.01))
        let output = json ? report.json.rendered() + "\n" : report.text
        FileHandle.standardOutput.write(Data(output.utf8))
    }
}
