import Evaluation
import Foundation
import Network
import Rescaling
import TestSupport
import WeightFiles

/// A fixture network with its tensors and its rescaling structure from the
/// real analysis: torch networks from their spec and safetensors file,
/// Keras networks hand-built over the manifest's tensors.
struct CertificateCase {
    var name: String
    var network: Network
    var structure: RescalingStructure
    var tensors: [Tensor]

    /// Fixture networks whose files this build can open and analyse.
    static let names = ["torch_mlp", "torch_cnn", "torch_resnet", "torch_input_skip", "torch_blockers",
                        "keras_mlp", "keras_cnn", "keras_resnet", "keras_blockers"]

    init(_ name: String) throws {
        let manifest = NetworkFixtures.shared
        let entry = try manifest.network(name)
        self.name = name
        if let spec = entry.spec {
            let file = try WeightFileOpener.open(Fixtures.url("\(name)/model.safetensors"))
            network = try NetworkLoader.load(file: file, spec: Fixtures.url(spec)).network
            structure = try rescalingStructure(of: network, file: file)
            tensors = try file.readAll()
        } else {
            let fixture = try manifest.file(HandBuiltNetworks.file(for: name))
            network = try HandBuiltNetworks.network(name, inputShape: entry.inputShape)
            let file = MemoryWeightFile(path: fixture.path, framework: .keras, tensors: fixture.tensors)
            structure = try rescalingStructure(of: network, file: file)
            tensors = fixture.tensors
        }
    }

    var source: TensorSource { TensorSource(orderedTensors: tensors, label: "\(name) A") }

    /// The tensors moved by log2-scales `z` (one per group) as the structure
    /// prescribes; tensors outside every role are unchanged.
    func rescaled(by z: [Double]) -> [Tensor] {
        let roles = Dictionary(structure.parameters.map { ($0.tensor, $0) }, uniquingKeysWith: { a, _ in a })
        return tensors.map { tensor in roles[tensor.name].map { tensor.rescaled(by: z, as: $0) } ?? tensor }
    }

    /// Seeded scales: integers in −3…3 (exact) or reals in [−2, 2).
    func scales(seed: UInt64, integral: Bool) -> [Double] {
        var generator = ProbeGenerator(seed: seed)
        return structure.groups.map { _ in
            let u = generator.next()
            return integral ? (3.5 * u).rounded(.down) : 2 * u
        }
    }

    /// Groups that have at least one parameter element (the certificate can
    /// recover their scale).
    var determinedGroups: Set<Int> {
        Set(structure.parameters.flatMap { $0.outGroups + $0.inGroups }.filter { $0 >= 0 })
    }
}
