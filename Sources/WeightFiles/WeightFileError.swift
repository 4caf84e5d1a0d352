import Foundation

/// Every failure of the format layer. The description names the file, the
/// object inside it and what is wrong, so the command line can print it as is.
public enum WeightFileError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file exists but its bytes are not a valid file of the format.
    case malformed(path: String, reason: String)
    /// The file's format is not one fulcrum reads.
    case unsupportedFormat(path: String, reason: String)
    /// A tensor named by the caller does not exist in the file.
    case noSuchTensor(path: String, name: String)
    /// A tensor's declared shape, dtype or byte count is inconsistent.
    case invalidTensor(name: String, reason: String)
    /// A replacement tensor does not match the stored one (shape or dtype).
    case mismatchedReplacement(path: String, name: String, reason: String)
    /// Reading, writing, syncing or renaming failed at the OS level.
    case io(path: String, reason: String)

    public var description: String {
        switch self {
        case let .malformed(path, reason): return "\(path): \(reason)"
        case let .unsupportedFormat(path, reason): return "\(path): unsupported file: \(reason)"
        case let .noSuchTensor(path, name): return "\(path): no tensor named '\(name)'"
        case let .invalidTensor(name, reason): return "tensor '\(name)': \(reason)"
        case let .mismatchedReplacement(path, name, reason): return "\(path): cannot write tensor '\(name)': \(reason)"
        case let .io(path, reason): return "\(path): \(reason)"
        }
    }
}
