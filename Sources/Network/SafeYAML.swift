import Foundation
import Yams

/// YAML to plain Foundation values without Yams's default constructor, which
/// force-unwraps when an explicit tag contradicts its scalar (`!!int layers`
/// traps inside Yams — a fuzzer find). Tags are ignored: a plain scalar
/// becomes null, a Bool, an Int, a Double or a String by its text; a quoted
/// scalar is always a String; mapping keys are their scalars' text.
public enum SafeYAML {
    /// The document's value: `[String: Any]`, `[Any]`, `NSNull`, `Bool`,
    /// `Int`, `Double` or `String`; nil for an empty document. Throws Yams's
    /// parse errors, and for a mapping key that is not a scalar.
    public static func load(_ text: String) throws -> Any? {
        guard let node = try Yams.compose(yaml: text) else { return nil }
        return try value(of: node)
    }

    static func value(of node: Yams.Node) throws -> Any {
        switch node {
        case let .scalar(scalar):
            guard scalar.style == Yams.Node.Scalar.Style.plain else { return scalar.string }
            let text = scalar.string
            if ["", "~", "null", "Null", "NULL"].contains(text) { return NSNull() }
            if ["true", "True", "TRUE"].contains(text) { return true }
            if ["false", "False", "FALSE"].contains(text) { return false }
            if let integer = Int(text) { return integer }
            if let number = Double(text), !text.lowercased().hasPrefix("0x") { return number }
            return text
        case let .mapping(mapping):
            var result: [String: Any] = [:]
            for (key, value) in mapping {
                guard case let .scalar(keyScalar) = key else {
                    throw SafeYAMLError.nonScalarKey
                }
                result[keyScalar.string] = try self.value(of: value)
            }
            return result
        case let .sequence(sequence):
            return try sequence.map { try value(of: $0) }
        case let .alias(alias):
            throw SafeYAMLError.alias(String(describing: alias))
        }
    }
}

/// YAML shapes a spec or config never needs.
public enum SafeYAMLError: Error, CustomStringConvertible, Sendable {
    case nonScalarKey
    case alias(String)
    public var description: String {
        switch self {
        case .nonScalarKey: return "a mapping key that is not a plain value"
        case let .alias(name): return "unresolved alias \(name)"
        }
    }
}
