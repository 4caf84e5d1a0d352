import ArgumentParser
import Evaluation
import Foundation
import Network
import WeightFiles

/// `fulcrum diff A B`: prove that two weight files compute the same function.
///
/// JSON document (`--json`), keys in this order:
/// ```
/// {"file_a": path, "file_b": path, "equivalent": bool,
///  "network": {"source": "spec"|"keras_config"|"inferred", "nodes": n, "groups": g},
///  "certificate": {"holds", "exact", "tolerance", "scales_log2": [...], "undetermined_groups": [...],
///                  "worst": {"tensor", "index", "unit", "relative_error"} | null, "violation_count",
///                  "first_violation": {"tensor", "index", "unit", "expected", "actual",
///                                      "relative_error", "reason"} | null},
///  "outputs": {"probes", "input_shape", "precision", "max_abs_diff", "max_rel_diff",
///              "bit_identical"} | null,
///  "notes": [string]}
/// ```
/// `index` is the element's coordinates in the stored shape, `unit` the
/// produced unit "node:index" (null for tensors outside every group);
/// relative errors are relative to the norm of the element's row, and
/// infinite ones are written as null. `outputs` is null when no probes ran
/// (`--probes 0`, or the input shape is unknown and no probes were asked for);
/// `notes` says why.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Prove that two weight files compute the same function.",
        discussion: """
        The network is read from A (its Keras architecture, a --spec, or inferred from tensor \
        names with --activation). fulcrum recovers the scale of every rescaling group from the \
        pair of files, producers first, and checks that every parameter of B is A's moved by \
        those scales: bit for bit when every scale is a power of two, else within --tolerance \
        of its row's norm. Every other tensor (running statistics, counters, blocked layers, \
        optimizer state) must be byte-equal. This certificate holds for every input.

        Then both files are evaluated on probe inputs (--inputs X.npy, a batch of samples in \
        the layout's order, or --probes N seeded uniform samples in [-1, 1) of the network's \
        input shape or --input-shape), and the largest absolute and relative output differences \
        are reported, and whether the outputs are bit-identical.

        With --json the report is one JSON document with the keys file_a, file_b, equivalent, \
        network (source, nodes, groups), certificate (holds, exact, tolerance, scales_log2, \
        undetermined_groups, worst {tensor, index, unit, relative_error}, violation_count, \
        first_violation {tensor, index, unit, expected, actual, relative_error, reason} or null), \
        outputs (probes, input_shape, precision, max_abs_diff, max_rel_diff, bit_identical, or null \
        when no probes ran) and notes.

        Examples (after the first example of fulcrum balance --help):
          fulcrum diff fixtures/torch_cnn/model.safetensors \\
              balanced.safetensors --spec fixtures/torch_cnn/spec.yaml
          fulcrum diff fixtures/torch_mlp/model.npz \\
              fixtures/torch_mlp/model.safetensors --json

        Exit codes: 0 equivalent, 1 not equivalent (the first tensor and unit that breaks it \
        are named), 2 a file or spec cannot be read or the network cannot be evaluated, \
        64 usage error.
        """
    )

    @Argument(help: "The original weight file.", completion: .file())
    var fileA: String

    @Argument(help: "The weight file to compare with it (e.g. a rebalanced copy).", completion: .file())
    var fileB: String

    @Option(name: .long, help: "A network spec (YAML or JSON) describing A's tensors and wiring.",
            completion: .file(extensions: ["yaml", "yml", "json"]))
    var spec: String?

    @Option(name: .long, help: ArgumentHelp(
        "The activation assumed between layers when A's network is inferred from tensor names: relu, leaky_relu (slope 0.01, or leaky_relu:0.2), identity, or a blocker such as tanh.",
        valueName: "activation"))
    var activation = "relu"

    @Option(name: .long, help: "A .npy batch (count, sample shape...) of probe inputs.", completion: .file(extensions: ["npy"]))
    var inputs: String?

    @Option(name: .long, help: "Number of seeded random probe inputs (default 8; 0 skips the probe check).")
    var probes: Int?

    @Option(name: .long, help: "Seed of the random probe inputs.")
    var seed: UInt64 = ProbeInputs.defaultSeed

    @Option(name: .long, help: "One sample's input shape in the layout's order, e.g. 1,8,8 (when the file does not say).")
    var inputShape: String?

    @Option(name: .long, help: "Relative tolerance for non-power-of-two scales, as a fraction of each row's norm.")
    var tolerance: Double = EquivalenceCertifier.defaultTolerance

    @Option(name: .long, help: "Arithmetic of the probe evaluation: float32 (as frameworks run) or float64.")
    var precision: Precision = .float32

    @Flag(name: .long, help: "Print one JSON document instead of text.")
    var json = false

    func validate() throws {
        let name = activation.trimmingCharacters(in: .whitespaces)
        if name.isEmpty { throw ValidationError("--activation needs a name, e.g. relu") }
        if name.lowercased() == "prelu" {
            throw ValidationError("--activation prelu needs its slope tensors; describe the network with --spec")
        }
        if inputs != nil, probes != nil { throw ValidationError("give either --inputs or --probes, not both") }
        if let probes, probes < 0 { throw ValidationError("--probes must be 0 or more, got \(probes)") }
        if !(tolerance >= 0) { throw ValidationError("--tolerance must be 0 or more, got \(tolerance)") }
        _ = try parsedInputShape()
    }

    /// `--input-shape` as numbers.
    func parsedInputShape() throws -> [Int]? {
        guard let inputShape else { return nil }
        let parts = inputShape.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard !parts.isEmpty, let shape = parts as? [Int], shape.allSatisfy({ $0 > 0 }) else {
            throw ValidationError("--input-shape must be positive integers separated by commas, e.g. 1,8,8; got '\(inputShape)'")
        }
        return shape
    }

    func run() throws {
        let urlA = URL(fileURLWithPath: fileA), urlB = URL(fileURLWithPath: fileB)
        let a = try WeightFileOpener.open(urlA), b = try WeightFileOpener.open(urlB)
        let loaded = try NetworkLoader.load(file: a, spec: spec.map { URL(fileURLWithPath: $0) },
                                            activation: Activation.named(activation, defaultLeakySlope: 0.01))
        var network = loaded.network
        if let shape = try parsedInputShape() { network.inputShape = shape }
        let structure = try rescalingStructure(of: network, file: a)
        let sourceA = TensorSource(file: a), sourceB = TensorSource(file: b)
        let certificate = try EquivalenceCertifier.certify(original: sourceA, candidate: sourceB,
                                                           structure: structure, tolerance: tolerance)
        var notes = network.assumptions
        let outputs = try probeOutputs(network: network, a: sourceA, b: sourceB, certificate: certificate, notes: &notes)
        let report = EquivalenceReport(certificate: certificate, outputs: outputs)

        if json {
            let document = JSONValue.object([
                ("file_a", .string(fileA)), ("file_b", .string(fileB)),
                ("equivalent", .bool(report.equivalent)),
                ("network", .object([("source", .string(loaded.source.rawValue)), ("nodes", .int(network.nodes.count)),
                                     ("groups", .int(structure.groups.count))])),
                ("certificate", report.certificateJSON),
                ("outputs", report.outputsJSON),
                ("notes", .array(notes.map(JSONValue.string))),
            ])
            FileHandle.standardOutput.write(Data((document.rendered() + "\n").utf8))
        } else {
            var lines = ["A: \(fileA)", "B: \(fileB)",
                         "network: \(network.nodes.count) nodes (\(loaded.source.rawValue)), "
                            + "\(structure.groups.count) rescaling group(s)",
                         report.text]
            lines += notes.map { "note: \($0)" }
            lines.append(report.equivalent ? "equivalent" : "NOT equivalent")
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
        if !report.equivalent { throw ExitCode(1) }
    }

    /// The probe comparison, or nil (with a note) when no probes run. A B
    /// that cannot be evaluated with A's network is only a note when the
    /// certificate already failed. A's evaluator is released before B's
    /// parameters are loaded.
    private func probeOutputs(network: Network, a: TensorSource, b: TensorSource,
                              certificate: EquivalenceCertificate, notes: inout [String]) throws -> OutputComparison? {
        if probes == 0 { notes.append("probe check skipped (--probes 0)"); return nil }
        guard let reference = try referenceOutputs(network: network, a: a, certificate: certificate, notes: &notes) else {
            return nil
        }
        do {
            return try ForwardEvaluator(network: network, parameters: b, precision: precision).compare(against: reference)
        } catch where !certificate.holds {
            notes.append("probe check skipped: B cannot be evaluated with A's network: \(error)")
            return nil
        }
    }

    /// A's outputs on the probes, or nil (with a note) when no probes run.
    private func referenceOutputs(network: Network, a: TensorSource, certificate: EquivalenceCertificate,
                                  notes: inout [String]) throws -> ProbeOutputs? {
        let evaluatorA = try ForwardEvaluator(network: network, parameters: a, precision: precision)
        let probeInputs: ProbeInputs
        if let inputs {
            let file = try WeightFileOpener.open(URL(fileURLWithPath: inputs))
            guard file.tensorNames.count == 1, let name = file.tensorNames.first else {
                throw ValidationError("--inputs \(inputs) must hold exactly one array, it holds \(file.tensorNames.count)")
            }
            probeInputs = try ProbeInputs.tensor(file.read(name), sampleShape: try? evaluatorA.inputShape())
        } else {
            guard let shape = try? evaluatorA.inputShape() else {
                if probes != nil { _ = try evaluatorA.inputShape() }
                notes.append("probe check skipped: the input shape is unknown (pass --input-shape)")
                return nil
            }
            probeInputs = .seeded(count: probes ?? 8, seed: seed, sampleShape: shape)
        }
        do {
            return try evaluatorA.outputs(on: probeInputs)
        } catch where !certificate.holds {
            notes.append("probe check skipped: B cannot be evaluated with A's network: \(error)")
            return nil
        }
    }
}

extension Precision: ExpressibleByArgument {}
