/// A JSON document with keys in a fixed order, written deterministically:
/// two-space indentation, numbers in Swift's shortest round-trip form,
/// non-finite numbers as the strings "nan", "inf" and "-inf".
indirect enum JSONValue: Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([(String, JSONValue)])

    static func == (lhs: JSONValue, rhs: JSONValue) -> Bool { lhs.serialized() == rhs.serialized() }

    /// A number, or null when absent.
    static func number(_ value: Double?) -> JSONValue { value.map(JSONValue.number) ?? .null }
    /// A string, or null when absent.
    static func string(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }

    /// The document as text, ending without a newline.
    func serialized(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1), closing = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case let .bool(value): return value ? "true" : "false"
        case let .int(value): return String(value)
        case let .number(value):
            if value.isNaN { return "\"nan\"" }
            if value.isInfinite { return value > 0 ? "\"inf\"" : "\"-inf\"" }
            return "\(value)"
        case let .string(value): return JSONValue.quoted(value)
        case let .array(items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.serialized(indent: indent + 1) }.joined(separator: ",\n") + "\n\(closing)]"
        case let .object(members):
            if members.isEmpty { return "{}" }
            return "{\n" + members.map { pad + JSONValue.quoted($0.0) + ": " + $0.1.serialized(indent: indent + 1) }
                .joined(separator: ",\n") + "\n\(closing)}"
        }
    }

    /// A JSON string literal (RFC 8259 escaping).
    static func quoted(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
