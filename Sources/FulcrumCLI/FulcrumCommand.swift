import ArgumentParser
import Foundation

/// The root command. Subcommands live one per file in this module.
public struct FulcrumCommand: ParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fulcrum",
        abstract: "Rebalance the weights of ReLU networks in their own files, and prove nothing changed.",
        discussion: """
        fulcrum opens HDF5 (Keras, PyTorch), NumPy .npy/.npz and safetensors weight files, \
        finds every hidden unit that can be rescaled without changing the network's function \
        (ReLU networks are positively homogeneous), moves the weights to a better point of that \
        symmetry, writes the file back in its own format, and proves that the new file computes \
        what the old one did. With power-of-two scales (the default) the outputs stay \
        bit-identical, in fulcrum's evaluator and in any framework's.

        Examples (from the repository root, on its bundled fixtures):
          fulcrum check fixtures/keras_cnn/model.keras
          fulcrum balance fixtures/keras_cnn/model.keras -o balanced.keras
          fulcrum diff fixtures/keras_cnn/model.keras balanced.keras

        Exit codes: 0 success (or the files are equivalent), 1 a check or audit failed or the \
        files differ, 2 bad input or an error, 64 usage error.
        """,
        version: "0.1.0",
        subcommands: [InspectCommand.self, CheckCommand.self, BalanceCommand.self, AlignCommand.self, DiffCommand.self, AuditCommand.self, ConvertCommand.self]
    )

    public init() {}
}

/// Runs the command line and returns the process exit code.
///
/// Errors of the tool itself (bad files, unreadable specs) are printed as
/// `fulcrum: error: <message>` and give exit code 2; usage errors keep
/// ArgumentParser's 64; `ExitCode` values pass through.
public enum FulcrumMain {
    public static func run(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) -> Int32 {
        do {
            var command = try FulcrumCommand.parseAsRoot(arguments)
            try command.run()
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            if isArgumentParserError(error) {
                let message = FulcrumCommand.fullMessage(for: error)
                let code = FulcrumCommand.exitCode(for: error).rawValue
                if !message.isEmpty {
                    let stream = code == 0 ? FileHandle.standardOutput : FileHandle.standardError
                    stream.write(Data((message + "\n").utf8))
                }
                return code
            }
            FileHandle.standardError.write(Data("fulcrum: error: \(error)\n".utf8))
            return 2
        }
    }

    /// True for the errors ArgumentParser knows how to report (usage,
    /// help, version, clean exits).
    static func isArgumentParserError(_ error: Error) -> Bool {
        let typeName = String(reflecting: type(of: error))
        return typeName.hasPrefix("ArgumentParser.") || error is ValidationError || error is CleanExit
    }
}
