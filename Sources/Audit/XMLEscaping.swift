/// Escaping for XML 1.0 text and attribute values.
enum XMLEscaping {
    /// `text` safe inside an element: &, <, > escaped; characters XML 1.0
    /// forbids (controls other than tab, newline, carriage return; U+FFFE,
    /// U+FFFF) replaced by U+FFFD.
    static func text(_ text: String) -> String { escape(text, attribute: false) }

    /// `text` safe inside a double- or single-quoted attribute: also " and '
    /// escaped, and tab, newline and carriage return as character references
    /// so parsers do not normalise them to spaces.
    static func attribute(_ text: String) -> String { escape(text, attribute: true) }

    private static func escape(_ text: String, attribute: Bool) -> String {
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"" where attribute: result += "&quot;"
            case "'" where attribute: result += "&apos;"
            case "\n" where attribute: result += "&#10;"
            case "\r": result += "&#13;"
            case "\t" where attribute: result += "&#9;"
            case "\t", "\n": result.unicodeScalars.append(scalar)
            case _ where scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF:
                result += "\u{FFFD}"
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
