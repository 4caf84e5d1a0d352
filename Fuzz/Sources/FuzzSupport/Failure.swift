import Foundation
import Network
import WeightFiles

/// The contract every fuzz target checks when a parser refuses its input:
/// the failure is one of fulcrum's own error types (never a crash, never a
/// stray Foundation or ZIPFoundation error), and its message names the
/// input's path, as every message the command line prints must.
///
/// A violation stops the process with `preconditionFailure`, which libFuzzer
/// reports as a crash together with the input that caused it.
public func checkRefusal(_ error: any Error, naming path: String) {
    let description: String
    switch error {
    case let error as WeightFileError: description = error.description
    case let error as NetworkError: description = error.description
    default: preconditionFailure("unexpected error type \(type(of: error)): \(error)")
    }
    precondition(description.contains(path), "the message does not name \(path): \(description)")
}

/// The fuzzer's input as `Data` (copied: the parsers may keep slices).
public func inputData(_ start: UnsafeRawPointer, _ count: Int) -> Data {
    Data(bytes: start, count: count)
}
