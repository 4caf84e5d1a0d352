import Foundation
import Network
import Rescaling
import WeightFiles

/// The stages of `fulcrum balance` on one file, through the library, so
/// that each can be timed on its own.
public struct BalancePipeline {
    /// The opened file.
    public let file: any WeightFile
    /// Its network, inferred as a ReLU chain from the tensor names.
    public let network: Network
    /// Its rescaling structure.
    public let structure: RescalingStructure

    /// Opens `url` and analyses its network.
    public init(url: URL) throws {
        file = try WeightFileOpener.open(url)
        network = try NetworkLoader.load(file: file, activation: .relu).network
        structure = try rescalingStructure(of: network, file: file)
    }

    /// Reads every tensor the structure moves, by name.
    public func readTensors() throws -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for role in structure.parameters where tensors[role.tensor] == nil {
            tensors[role.tensor] = try file.read(role.tensor)
        }
        return tensors
    }

    /// Reads every tensor of the file, by name (the path kernel needs the
    /// output layer's bias too, which no rescaling moves).
    public func readEveryTensor() throws -> [String: Tensor] {
        var tensors: [String: Tensor] = [:]
        for name in file.tensorNames { tensors[name] = try file.read(name) }
        return tensors
    }

    /// Builds the problem and balances it.
    public func solve(_ tensors: [String: Tensor], norm: Norm = .l2, options: BalanceOptions) throws -> (BalanceProblem, BalanceResult) {
        let problem = try BalanceProblem(structure: structure, tensors: tensors)
        return (problem, try balance(problem, norm: norm, options: options))
    }

    /// Writes the file with the tensors replaced to `destination`.
    public func write(_ replacements: [Tensor], to destination: URL) throws {
        try file.write(replacing: replacements, to: destination)
    }
}
